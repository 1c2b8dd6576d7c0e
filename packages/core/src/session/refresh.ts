import * as client from 'openid-client'
import type { ResolvedConfig } from '../config/resolve.js'
import { OidcError } from '../errors.js'
import type { SetCookie } from '../http/types.js'
import { isNetworkError, toOidcError } from '../protocol/errors.js'
import { verifyIdToken, type IdTokenClaims } from '../protocol/id-token.js'
import type { Provider, ProviderDiscovery } from '../protocol/provider.js'
import { now, type SessionBackend, type SessionRef } from './backend.js'
import type { Claims, SessionData } from './store.js'

/** Adds userinfo claims to a refreshed ID token's, when configured. */
type Enrich = (provider: Provider, claims: IdTokenClaims, accessToken: string | undefined) => Promise<Claims>

/** Seconds before expiry at which tokens are refreshed (never more than half their lifetime). */
const LEEWAY = 60

/**
 * Refresh-token rotation that never logs anyone out by a race: concurrent requests of one
 * session share one token-endpoint call (single-flight), and the session is re-read before
 * refreshing so a refresh already done elsewhere is used instead of repeated.
 */
export class Refresher {
  readonly #config: ResolvedConfig
  readonly #provider: ProviderDiscovery
  readonly #sessions: SessionBackend
  readonly #inflight = new Map<string, Promise<SessionData>>()
  /**
   * Refreshes of the last minute, by session id and the refresh token they used up. With
   * cookie sessions a request may still carry the cookie from before a refresh; it gets
   * the refreshed session instead of presenting a used refresh token (which providers
   * with reuse detection answer by revoking the whole grant).
   */
  readonly #recent = new Map<string, { usedToken: string; data: SessionData; at: number }>()

  readonly #enrich: Enrich

  constructor(config: ResolvedConfig, provider: ProviderDiscovery, sessions: SessionBackend, enrich: Enrich) {
    this.#enrich = enrich
    this.#config = config
    this.#provider = provider
    this.#sessions = sessions
  }

  /**
   * The session's data, refreshed first when its tokens are about to expire. A refused
   * refresh token ends the session (undefined: signed out). A provider that cannot be
   * reached ends nothing: the request is served while its tokens are valid, else 503.
   */
  async ensureFresh(ref: SessionRef, setCookie: SetCookie): Promise<SessionData | undefined> {
    const t = now()
    if (!needsRefresh(ref.data, t)) return ref.data
    try {
      return await this.refresh(ref, { force: false, setCookie })
    } catch (err) {
      if (err instanceof OidcError && err.code === 'session_ended') {
        await this.#sessions.destroy(ref, setCookie)
        return undefined
      }
      if (err instanceof OidcError && err.code === 'provider_unavailable' && !expired(ref.data, t)) return ref.data
      throw err
    }
  }

  /** Refreshes now (`force`) or if still needed once re-read; one token-endpoint call per session at a time. */
  refresh(ref: SessionRef, options: { force: boolean; setCookie: SetCookie }): Promise<SessionData> {
    let pending = this.#inflight.get(ref.id)
    if (!pending) {
      pending = this.#sessions.withLock(ref.id, () => this.#refresh(ref, options.force, options.setCookie)).finally(() => this.#inflight.delete(ref.id))
      this.#inflight.set(ref.id, pending)
    }
    return pending
  }

  async #refresh(ref: SessionRef, force: boolean, setCookie: SetCookie): Promise<SessionData> {
    const current = await this.#sessions.reload(ref)
    if (!current) throw new OidcError('session_ended', 'The session has ended: sign in again.')
    const recent = this.#recent.get(ref.id)
    if (recent && recent.usedToken === current.refreshToken && now() - recent.at < 60) {
      ref.data = recent.data
      await this.#sessions.save(ref, setCookie)
      return recent.data
    }
    if (!force && !needsRefresh(current, now())) return current
    if (!current.refreshToken) throw new OidcError('session_ended', 'The session has no refresh token and its tokens cannot be renewed: sign in again.')

    const provider = await this.#provider.get()
    let tokens: client.TokenEndpointResponse
    try {
      tokens = await client.refreshTokenGrant(provider.client, current.refreshToken)
    } catch (err) {
      // Only invalid_grant says the grant is over. Anything else (a 5xx, a 429, a broken
      // answer, invalid_client from a misconfiguration) is the provider's trouble, not the
      // user's: the session stays, and is served while its tokens are valid.
      if (err instanceof client.ResponseBodyError && err.error === 'invalid_grant') {
        this.#config.logger.warn(`refresh token refused (invalid_grant) for a session of sub ${JSON.stringify(current.sub)}: session ended`)
        await this.#sessions.destroy(ref)
        throw new OidcError('session_ended', 'The provider refused to renew the session: sign in again.', { cause: err })
      }
      const error = toOidcError(err, 'provider_unavailable', 'refreshing the session')
      this.#config.logger.warn(`refresh failed, session kept: ${error.message}`)
      throw error.code === 'provider_unavailable' ? error : new OidcError('provider_unavailable', `The provider did not renew the session: ${error.message}`, { cause: err })
    }

    // The new tokens are saved before anything else can fail: a rotated refresh token that
    // is lost can never be used again, and its predecessor is spent.
    const t = now()
    const renewed: SessionData = { ...current, accessTokenExpiresAt: undefined, tokensAt: t, ...tokenFields(tokens, t) }
    await this.#keep(ref, current, renewed, setCookie)
    if (!tokens.id_token) return renewed

    let claims: Claims
    let expiresAt: number
    try {
      const verified = await verifyIdToken(tokens.id_token, {
        issuer: provider.issuers,
        clientId: this.#config.clientId,
        clientSecret: this.#config.clientSecret,
        algorithms: provider.idTokenAlgs,
        jwks: provider.jwks,
        clockTolerance: this.#config.clockTolerance,
      })
      if (verified.iss !== current.claims.iss || verified.sub !== current.sub || !sameAudience(verified.aud, current.claims.aud)) {
        this.#config.logger.warn(`refreshed ID token changed iss, sub or aud for sub ${JSON.stringify(current.sub)}: session ended`)
        await this.#sessions.destroy(ref)
        throw new OidcError('session_ended', 'The refreshed ID token is for another user or client: sign in again.')
      }
      claims = await this.#enrich(provider, verified, renewed.accessToken)
      expiresAt = verified.exp
    } catch (err) {
      if (err instanceof OidcError && err.code === 'session_ended') throw err
      if (isNetworkError(err) || (err instanceof Error && isNetworkError(err.cause)) || (err instanceof OidcError && err.code === 'provider_unavailable')) {
        // The keys or userinfo could not be fetched: keep the new tokens and the claims
        // verified before; the ID token is renewed again at the next request.
        throw new OidcError('provider_unavailable', 'The provider could not be reached to verify the renewed session; try again shortly.', { cause: err })
      }
      await this.#sessions.destroy(ref)
      throw new OidcError('session_ended', 'The refreshed ID token is not valid: sign in again.', { cause: err })
    }
    const next: SessionData = { ...renewed, claims, idToken: tokens.id_token, idTokenExpiresAt: expiresAt }
    await this.#keep(ref, current, next, setCookie)
    return next
  }

  /** Saves renewed data, remembered first so this process never presents a spent refresh token. */
  async #keep(ref: SessionRef, current: SessionData, next: SessionData, setCookie: SetCookie): Promise<void> {
    ref.data = next
    // A provider that does not rotate sends the same token back, still valid: nothing to remember.
    if (next.refreshToken !== current.refreshToken) this.#remember(ref.id, current.refreshToken!, next)
    else this.#recent.delete(ref.id)
    await this.#sessions.save(ref, setCookie)
  }

  #remember(id: string, usedToken: string, data: SessionData): void {
    const t = now()
    this.#recent.delete(id)
    this.#recent.set(id, { usedToken, data, at: t })
    for (const [key, entry] of this.#recent) {
      if (t - entry.at < 60 && this.#recent.size <= 10_000) break
      this.#recent.delete(key)
    }
  }
}

/** Seconds before `expiresAt` to refresh: the leeway, but at most half the token's lifetime. */
function dueAt(expiresAt: number, obtainedAt: number): number {
  return expiresAt - Math.min(LEEWAY, Math.max(0, (expiresAt - obtainedAt) / 2))
}

export function needsRefresh(data: SessionData, t: number): boolean {
  if (!data.refreshToken) return false
  if (t >= dueAt(data.idTokenExpiresAt, data.tokensAt)) return true
  return data.accessTokenExpiresAt !== undefined && t >= dueAt(data.accessTokenExpiresAt, data.tokensAt)
}

function expired(data: SessionData, t: number): boolean {
  return t >= data.idTokenExpiresAt || (data.accessTokenExpiresAt !== undefined && t >= data.accessTokenExpiresAt)
}

function sameAudience(a: unknown, b: unknown): boolean {
  const list = (v: unknown) => (Array.isArray(v) ? [...v].sort() : [v])
  return JSON.stringify(list(a)) === JSON.stringify(list(b))
}

/** The access and refresh token fields of a token endpoint response. */
export function tokenFields(tokens: client.TokenEndpointResponse, t: number): Partial<SessionData> {
  const fields: Partial<SessionData> = { accessToken: tokens.access_token, tokenType: tokens.token_type }
  if (typeof tokens.expires_in === 'number') fields.accessTokenExpiresAt = t + tokens.expires_in
  if (tokens.refresh_token) fields.refreshToken = tokens.refresh_token
  if (tokens.scope) fields.scope = tokens.scope
  return fields
}
