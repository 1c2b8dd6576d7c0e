/** Claims of an ID token or userinfo response. */
export type Claims = { sub: string } & Record<string, unknown>

/** What a session holds. Stores keep it as they like; it is plain JSON. */
export interface SessionData {
  /** Subject, and the provider's session id (`sid`) when it sent one: for back-channel logout. */
  sub: string
  sid?: string
  claims: Claims
  idToken: string
  /** Epoch seconds. */
  idTokenExpiresAt: number
  accessToken?: string
  tokenType?: string
  /** Epoch seconds. */
  accessTokenExpiresAt?: number
  refreshToken?: string
  scope?: string
  /** Epoch seconds the current tokens were obtained (sign-in or last refresh). */
  tokensAt: number
  /** Epoch seconds: sign-in time (absolute timeout) and last use (idle timeout). */
  createdAt: number
  touchedAt: number
}

/**
 * Where sessions live. Every method returns a promise; callback-style stores go through
 * the express-session bridge. `ttl` is in seconds: the store may forget a session after it.
 */
export interface SessionStore {
  get(id: string): Promise<SessionData | undefined>
  set(id: string, session: SessionData, ttl: number): Promise<void>
  destroy(id: string): Promise<void>
  /**
   * Records `key` as used and answers whether this was its first use, atomically: the
   * one-time guard for login transactions (and logout token `jti`s).
   */
  consumeOnce(key: string, ttl: number): Promise<boolean>
}
