import type { SetCookie } from './http/types.js'
import type { SessionRef } from './session/backend.js'
import type { Claims, SessionData } from './session/store.js'

export interface AccessToken {
  value: string
  /** e.g. `Bearer`. */
  type: string
  /** Epoch seconds, when the provider said. */
  expiresAt: number | undefined
}

/**
 * The claims an app knows its provider sends, for `user`: empty here, widened by module
 * augmentation (add `@oidc-rp/core` to the app's dependencies to name it).
 *
 * @example
 * ```ts
 * import type { OidcContext } from '@oidc-rp/core'
 *
 * declare module '@oidc-rp/core' {
 *   interface UserClaims {
 *     email: string
 *     name: string
 *   }
 * }
 *
 * export function greeting(oidc: OidcContext): string {
 *   return oidc.isAuthenticated() ? `Hello ${oidc.user.name} <${oidc.user.email}>` : 'Hello'
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface UserClaims {}

/** The signed-in user: the claims every provider sends (`sub`), those the app declared, and any others. */
export type User = Claims & UserClaims

/** Who a request is: a browser session, or a service presenting a bearer token. */
export interface Principal {
  via: 'session' | 'bearer'
  data: SessionData
  /** Sessions only. */
  ref?: SessionRef
  setCookie?: SetCookie
}

/** The operations a request context needs from the relying party that made it. */
export interface ContextBackend {
  readonly loginPath: string
  readonly logoutPath: string
  /** Epoch seconds at which a session ends if nothing else happens (idle or absolute timeout). */
  sessionExpiresAt(data: SessionData): number
  groupsOf(claims: Claims): string[]
  groupsOverage(claims: Claims): boolean
  warn(message: string): void
  refresh(context: OidcContext): Promise<void>
  fetchUserInfo(context: OidcContext): Promise<Claims>
}

/**
 * What every adapter puts on the request (`req.oidc`, `request.oidc`, `ctx.state.oidc`):
 * the same names and behaviour in every framework.
 */
export class OidcContext {
  readonly #backend: ContextBackend
  #principal: Principal | undefined
  #groups: string[] | undefined
  #user: User | undefined

  /** @internal Adapters get contexts from `RelyingParty.handle()`. */
  constructor(backend: ContextBackend, principal?: Principal) {
    this.#backend = backend
    this.#principal = principal
  }

  /** Signed in (a session or a bearer token); narrows `user` to be there. */
  isAuthenticated(): this is this & { readonly user: User } {
    return this.#principal !== undefined
  }

  /** How the request was authenticated: a session cookie or a bearer token. */
  get authenticatedBy(): 'session' | 'bearer' | undefined {
    return this.#principal?.via
  }

  /** The signed-in user's claims (`sub` at the top level, protocol claims left out), or undefined. */
  get user(): User | undefined {
    if (!this.#principal) return undefined
    return (this.#user ??= userClaims(this.#principal.data.claims) as User)
  }

  /** Groups from the configured claim path (default `groups`); empty when signed out. */
  get groups(): string[] {
    if (!this.#principal) return []
    return (this.#groups ??= this.#backend.groupsOf(this.#principal.data.claims))
  }

  /**
   * True when the provider sent no groups because there are too many, and named where to
   * fetch them instead (`_claim_names`/`_claim_sources`: Entra ID past 200 groups). The
   * app can resolve them itself (e.g. from Microsoft Graph with the access token).
   */
  get groupsOverage(): boolean {
    return this.#principal !== undefined && this.#backend.groupsOverage(this.#principal.data.claims)
  }

  /** @internal Guards log through the relying party's logger. */
  warn(message: string): void {
    this.#backend.warn(message)
  }

  get idToken(): string | undefined {
    return this.#principal?.data.idToken || undefined
  }

  get accessToken(): AccessToken | undefined {
    const s = this.#principal?.data
    return s?.accessToken === undefined ? undefined : { value: s.accessToken, type: s.tokenType ?? 'Bearer', expiresAt: s.accessTokenExpiresAt }
  }

  /** Epoch seconds at which the ID token expires. */
  get idTokenExpiresAt(): number | undefined {
    return this.#principal?.data.idTokenExpiresAt
  }

  /** Epoch seconds at which the session ends unless used again (idle timeout) and at the latest (absolute timeout); undefined for bearer tokens. */
  get sessionExpiresAt(): number | undefined {
    return this.#principal?.via === 'session' ? this.#backend.sessionExpiresAt(this.#principal.data) : undefined
  }

  /** Refreshes the tokens now, whatever their expiry. Rejects with an `OidcError` when it cannot. */
  refresh(): Promise<void> {
    return this.#backend.refresh(this)
  }

  /** The provider's userinfo for this user; refused if its `sub` is not the session's. */
  fetchUserInfo(): Promise<Claims> {
    return this.#backend.fetchUserInfo(this)
  }

  /** The path that signs in and comes back to `returnTo` (a path of this app). */
  loginUrl(returnTo?: string): string {
    return returnTo === undefined ? this.#backend.loginPath : `${this.#backend.loginPath}?returnTo=${encodeURIComponent(returnTo)}`
  }

  logoutUrl(): string {
    return this.#backend.logoutPath
  }

  /** @internal */
  get principal(): Principal | undefined {
    return this.#principal
  }

  /** @internal Called by the relying party after a refresh, or with undefined when the session ends. */
  replaceSession(data: SessionData | undefined): void {
    this.#principal = data && this.#principal ? { ...this.#principal, data } : undefined
    this.#groups = undefined
    this.#user = undefined
  }
}

/**
 * Claims about the token rather than the user, left out of `user` (as express-openid-connect
 * does); and the names that would set the prototype of `user` when assigned, which claims
 * never bring (they are dropped where claims come in) but a session stored by an older
 * version might.
 */
const PROTOCOL_CLAIMS = new Set(['iss', 'aud', 'exp', 'iat', 'nbf', 'nonce', 'azp', 'auth_time', 'at_hash', 'c_hash', 's_hash', 'sid', 'jti', '__proto__', 'constructor', 'prototype'])

/** Built by adding the wanted keys (not copying and deleting): a fast object, quick to serialise. */
function userClaims(claims: Claims): Claims {
  const user: Record<string, unknown> = {}
  for (const key in claims) if (!PROTOCOL_CLAIMS.has(key)) user[key] = claims[key]
  return user as Claims
}
