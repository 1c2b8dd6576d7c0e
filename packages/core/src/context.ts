import type { Claims, SessionData } from './session/store.js'

export interface AccessToken {
  value: string
  /** e.g. `Bearer`. */
  type: string
  /** Epoch seconds, when the provider said. */
  expiresAt: number | undefined
}

/** The operations a request context needs from the relying party that made it. */
export interface ContextBackend {
  readonly loginPath: string
  readonly logoutPath: string
  groupsOf(claims: Claims): string[]
  refresh(context: OidcContext): Promise<void>
  fetchUserInfo(context: OidcContext): Promise<Claims>
}

/**
 * What every adapter puts on the request (`req.oidc`, `request.oidc`, `ctx.state.oidc`):
 * the same names and behaviour in every framework.
 */
export class OidcContext {
  readonly #backend: ContextBackend
  #session: SessionData | undefined
  #groups: string[] | undefined
  #user: Claims | undefined

  /** @internal Adapters get contexts from `RelyingParty.handle()`. */
  constructor(backend: ContextBackend, session: SessionData | undefined, readonly sessionId?: string) {
    this.#backend = backend
    this.#session = session
  }

  isAuthenticated(): boolean {
    return this.#session !== undefined
  }

  /** The signed-in user's claims (`sub` at the top level, protocol claims left out), or undefined. */
  get user(): Claims | undefined {
    if (!this.#session) return undefined
    return (this.#user ??= userClaims(this.#session.claims))
  }

  /** Groups from the configured claim path (default `groups`); empty when signed out. */
  get groups(): string[] {
    if (!this.#session) return []
    return (this.#groups ??= this.#backend.groupsOf(this.#session.claims))
  }

  get idToken(): string | undefined {
    return this.#session?.idToken
  }

  get accessToken(): AccessToken | undefined {
    const s = this.#session
    return s?.accessToken === undefined ? undefined : { value: s.accessToken, type: s.tokenType ?? 'Bearer', expiresAt: s.accessTokenExpiresAt }
  }

  /** Epoch seconds at which the ID token expires. */
  get idTokenExpiresAt(): number | undefined {
    return this.#session?.idTokenExpiresAt
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
  get session(): SessionData | undefined {
    return this.#session
  }

  /** @internal Called by the relying party after a refresh or when the session ends. */
  replaceSession(session: SessionData | undefined): void {
    this.#session = session
    this.#groups = undefined
    this.#user = undefined
  }
}

/** Claims about the token rather than the user, left out of `user` (as express-openid-connect does). */
const PROTOCOL_CLAIMS = ['iss', 'aud', 'exp', 'iat', 'nbf', 'nonce', 'azp', 'auth_time', 'at_hash', 'c_hash', 's_hash', 'sid', 'jti']

function userClaims(claims: Claims): Claims {
  const copy: Claims = { ...claims }
  for (const name of PROTOCOL_CLAIMS) delete copy[name]
  return copy
}
