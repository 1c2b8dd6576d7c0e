/**
 * The app's part of a refresh: `onRefresh` over the renewed claims, and the events. A
 * refusal ends the session; a hook that fails keeps the session's previous claims (the
 * tokens are renewed, the provider said yes) and is tried again at the next refresh.
 */
import type * as client from 'openid-client'
import { OidcError, SignInRefused } from '../errors.js'
import { emit, who } from '../events.js'
import { HookTokens, keptClaims } from '../hooks.js'
import type { SessionData } from '../store.js'
import type { SessionRef } from './backend.js'
import type { RenewDeps } from './refresh-tokens.js'

/** The renewed session with the claims `onRefresh` keeps (the same object when there is no hook). */
export async function refreshedClaims(
  deps: RenewDeps,
  ref: SessionRef,
  current: SessionData,
  renewed: SessionData,
  tokens: client.TokenEndpointResponse,
  idTokenRenewed: boolean,
): Promise<SessionData> {
  const { config } = deps
  const hook = config.onRefresh
  if (hook === undefined) return renewed
  let result: unknown
  try {
    result = await hook({
      claims: Object.freeze({ ...renewed.claims }),
      previous: Object.freeze({ ...current.claims }),
      idTokenRenewed,
      tokens: new HookTokens({
        accessToken: tokens.access_token,
        idToken: tokens.id_token,
        refreshToken: tokens.refresh_token,
        tokenType: tokens.token_type,
        expiresIn: tokens.expires_in,
        scope: tokens.scope,
      }),
    })
    if (result instanceof SignInRefused) throw result
    const kept = keptClaims('onRefresh', renewed.claims, result)
    if (kept.changed.length > 0)
      config.logger.warn(
        `onRefresh tried to change ${kept.changed.join(', ')}: protocol claims always stay the verified ID token's, the changes were ignored`,
      )
    config.observer.trace?.(`refresh: onRefresh kept ${Object.keys(kept.claims).length} claims`)
    return { ...renewed, claims: kept.claims }
  } catch (err) {
    if (err instanceof SignInRefused) {
      config.logger.warn(
        `refresh refused by onRefresh [${err.reason}] for a session of sub ${JSON.stringify(renewed.sub)}: session ended`,
      )
      await deps.sessions.destroy(ref)
      emit(config.observer, { type: 'sessionEnded', ...who(renewed), reason: 'refused_by_hook' })
      throw new OidcError('session_ended', 'The session has ended: sign in again.', { cause: err })
    }
    config.logger.error(
      `onRefresh failed, the previous claims are kept until the next refresh: ${err instanceof Error ? err.message : String(err)}`,
    )
    return { ...renewed, claims: current.claims }
  }
}

/** The `refreshed` event, after the renewed session is saved. */
export function refreshed(deps: RenewDeps, data: SessionData, idTokenRenewed: boolean): void {
  deps.config.observer.trace?.(`refresh: renewed session saved (ID token renewed: ${idTokenRenewed ? 'yes' : 'no'})`)
  emit(deps.config.observer, { type: 'refreshed', ...who(data), idTokenRenewed })
}

/** The `refreshFailed` event. */
export function refreshFailed(deps: RenewDeps, data: SessionData, err: unknown): void {
  if (deps.config.observer.onEvent === undefined) return
  const reason = err instanceof OidcError ? err.code : 'internal'
  emit(deps.config.observer, { type: 'refreshFailed', ...who(data), reason, sessionKept: reason !== 'session_ended' })
}
