import * as client from 'openid-client'
import type { ResolvedConfig } from '../config/resolve.js'
import { OidcError } from '../errors.js'
import { emit, who } from '../events.js'
import { isNetworkError, providerFailure, refusesGrant } from '../protocol/errors.js'
import { idTokenChecks, verifyIdToken } from '../protocol/id-token.js'
import type { Provider } from '../protocol/provider.js'
import { withUserInfo } from '../protocol/userinfo.js'
import type { SessionBackend, SessionRef } from './backend.js'
import { lifetimeOf } from './refresh-schedule.js'
import { tokenFields } from './session-data.js'
import type { SessionData } from '../store.js'

/** What the steps of a refresh need. */
export interface RenewDeps {
  config: ResolvedConfig
  sessions: SessionBackend
}

/**
 * The token endpoint's answer to a refresh grant, over the refresh client (its own, longer
 * timeout). Only a refusal of the grant itself says it is over (`refusesGrant`: invalid_grant,
 * or a bare 400): the session is destroyed and `session_ended` thrown. Anything else (a 5xx,
 * a 429, a broken answer, invalid_client from a misconfiguration) is the provider's trouble,
 * not the user's: `provider_unavailable`.
 */
export async function requestTokens(
  deps: RenewDeps,
  provider: Provider,
  ref: SessionRef,
  current: SessionData & { refreshToken: string },
): Promise<client.TokenEndpointResponse> {
  try {
    const tokens = await client.refreshTokenGrant(provider.refreshClient, current.refreshToken)
    deps.config.observer.trace?.(
      `refresh: token endpoint answered: access token ${tokens.access_token ? 'yes' : 'no'}, refresh token ${tokens.refresh_token ? (tokens.refresh_token === current.refreshToken ? 'the same' : 'rotated') : 'none'}, ID token ${tokens.id_token ? 'yes' : 'no'}, expires_in ${tokens.expires_in ?? 'not given'}`,
    )
    return tokens
  } catch (err) {
    if (refusesGrant(err)) {
      const why = err instanceof client.ResponseBodyError ? err.error : 'a 400 without an OAuth error'
      deps.config.logger.warn(
        `refresh token refused (${why}) for a session of sub ${JSON.stringify(current.sub)}: session ended`,
      )
      await deps.sessions.destroy(ref)
      emit(deps.config.observer, { type: 'sessionEnded', ...who(current), reason: 'refresh_refused' })
      throw new OidcError('session_ended', 'The provider refused to renew the session: sign in again.', { cause: err })
    }
    const { mapped, error } = providerFailure(err, 'refreshing the session', 'The provider did not renew the session')
    deps.config.logger.warn(`refresh failed, session kept: ${mapped.message}`)
    throw error
  }
}

/**
 * The session with the renewed access and refresh tokens (the ID token, if any, is checked
 * afterwards). Without an ID token the schedule follows the access token from now on; when
 * its lifetime is not given either, it is assumed to be the previous tokens' lifetime.
 */
export function renewedData(current: SessionData, tokens: client.TokenEndpointResponse, t: number): SessionData {
  const { accessTokenExpiresAt: _access, assumedExpiresAt: _assumed, ...kept } = current
  const renewed: SessionData = { ...kept, tokensAt: t, ...tokenFields(tokens, t) }
  if (!tokens.id_token) {
    renewed.idTokenRenewed = false
    if (renewed.accessTokenExpiresAt === undefined) renewed.assumedExpiresAt = t + lifetimeOf(current)
  }
  return renewed
}

/**
 * The session with a refreshed ID token, verified: it must keep the original `iss`, `sub`
 * and `aud`, else the session is destroyed and `session_ended` thrown. Keys or userinfo that
 * cannot be fetched are an outage (`provider_unavailable`): the renewed tokens stay, with the
 * claims verified before, and the ID token is renewed again at the next refresh.
 */
export async function withRenewedIdToken(
  deps: RenewDeps,
  provider: Provider,
  ref: SessionRef,
  renewed: SessionData,
  idToken: string,
): Promise<SessionData> {
  const { config } = deps
  try {
    const verified = await verifyIdToken(idToken, idTokenChecks(config, provider))
    if (
      verified.iss !== renewed.claims.iss ||
      verified.sub !== renewed.sub ||
      !sameAudience(verified.aud, renewed.claims.aud)
    ) {
      config.logger.warn(
        `refreshed ID token changed iss, sub or aud for sub ${JSON.stringify(renewed.sub)}: session ended`,
      )
      await deps.sessions.destroy(ref)
      emit(config.observer, { type: 'sessionEnded', ...who(renewed), reason: 'refresh_refused' })
      throw new OidcError('session_ended', 'The refreshed ID token is for another user or client: sign in again.')
    }
    const claims = await withUserInfo(config, provider, verified, renewed.accessToken)
    const { idTokenRenewed: _stale, assumedExpiresAt: _assumed, ...rest } = renewed
    return { ...rest, claims, idToken, idTokenExpiresAt: verified.exp }
  } catch (err) {
    if (err instanceof OidcError && err.code === 'session_ended') throw err
    if (
      isNetworkError(err) ||
      (err instanceof Error && isNetworkError(err.cause)) ||
      (err instanceof OidcError && err.code === 'provider_unavailable')
    ) {
      throw new OidcError(
        'provider_unavailable',
        'The provider could not be reached to verify the renewed session; try again shortly.',
        { cause: err },
      )
    }
    await deps.sessions.destroy(ref)
    emit(config.observer, { type: 'sessionEnded', ...who(renewed), reason: 'refresh_refused' })
    throw new OidcError('session_ended', 'The refreshed ID token is not valid: sign in again.', { cause: err })
  }
}

function sameAudience(a: unknown, b: unknown): boolean {
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? [...(v as unknown[])].sort() : [v])
  return JSON.stringify(list(a)) === JSON.stringify(list(b))
}
