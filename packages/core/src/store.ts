/**
 * The session store contract: what a session holds and what a store does with it. Below
 * the configuration (an app passes its store as an option); the stores are in `session/`.
 */
import type { Claims, Identity } from './identity.js'

/**
 * What a session holds: an identity (`sub`, `claims`) and the tokens that came with it.
 * Stores keep it as they like; it is plain JSON, flat as sessions have always been stored.
 */
export interface SessionData extends Identity {
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
  /**
   * `false` when the last refresh brought no ID token (OpenID Connect Core §12.2 allows it):
   * `idToken` and `idTokenExpiresAt` are an earlier one's, and no longer schedule refreshes.
   * Absent otherwise (and in sessions written before it existed).
   */
  idTokenRenewed?: false
  /**
   * Epoch seconds: when a refresh said neither how long the access token lives
   * (`expires_in`) nor sent an ID token, the tokens are assumed to live as long as the
   * previous ones, and the next refresh is scheduled by this.
   */
  assumedExpiresAt?: number
  /** Epoch seconds the current tokens were obtained (sign-in or last refresh). */
  tokensAt: number
  /** Epoch seconds: sign-in time (absolute timeout) and last use (idle timeout). */
  createdAt: number
  touchedAt: number
}

/** An exclusive lock on one session, held until released (or its lease runs out). */
export interface SessionLock {
  release(): Promise<void>
}

/**
 * Where sessions live. Every method returns a promise; callback-style stores go through
 * the express-session bridge. `ttl` is in seconds: the store may forget a session after it.
 */
export interface SessionStore {
  /**
   * The session, or undefined. A store may serve recent reads from a cache of its own,
   * except with `fresh`, asked for when tokens are about to be refreshed.
   */
  get(id: string, options?: { fresh?: boolean }): Promise<SessionData | undefined>
  /**
   * The session as this process already holds it (a memory store, or a store's own read
   * cache), without waiting; undefined when only `get` can tell. Optional: it lets most
   * requests be served without a promise.
   */
  peek?(id: string): SessionData | undefined
  set(id: string, session: SessionData, ttl: number): Promise<void>
  /**
   * Writes the session only if it still exists, atomically, and answers whether it did:
   * renewed tokens must not bring back a session that a logout ended meanwhile. Stores
   * without it get a fresh `get` and then a `set`, which leaves a small window.
   */
  replace?(id: string, session: SessionData, ttl: number): Promise<boolean>
  destroy(id: string): Promise<void>
  /**
   * Rolling expiry: records the session's last use and extends its TTL, without rewriting
   * the rest (which may have been refreshed meanwhile by another process). Stores without
   * it get a full `set`, which is safe only within one process.
   */
  touch?(id: string, touchedAt: number, ttl: number): Promise<void>
  /**
   * Records `key` as used and answers whether this was its first use, atomically: the
   * one-time guard for login transactions (and logout token `jti`s).
   */
  consumeOnce(key: string, ttl: number): Promise<boolean>
  /**
   * Stores shared between processes offer a lock so that one of them refreshes a
   * session's tokens while the others wait; the lease is renewed while it is held, and a
   * holder that dies blocks the session no longer than the lease.
   */
  lock?(id: string): Promise<SessionLock>
  /**
   * Records that credentials under `key` (`sid:…`, `sub:…`, `tok:…`) issued up to `at`
   * (epoch seconds) are revoked, for `ttl` seconds: bearer tokens of a session that was
   * logged out. Stores shared between processes offer it so that every process refuses
   * them; without it, revocations are known to this process only.
   */
  revoke?(key: string, at: number, ttl: number): Promise<void>
  /** When credentials under `key` were revoked (epoch seconds), or undefined. */
  revokedAt?(key: string): Promise<number | undefined>
  /** `revokedAt` when this process can tell at once: null for "not revoked", undefined when only `revokedAt` can tell. */
  peekRevokedAt?(key: string): number | null | undefined
  /** Ids of the live sessions with this provider session id (`sid`), for back-channel logout. */
  findBySid?(sid: string): Promise<string[]>
  /** Ids of the live sessions of this subject, for back-channel logout. */
  findBySub?(sub: string): Promise<string[]>
}

const STORE_METHODS = ['get', 'set', 'destroy', 'consumeOnce'] as const
const OPTIONAL_STORE_METHODS = [
  'peek',
  'replace',
  'touch',
  'lock',
  'revoke',
  'revokedAt',
  'peekRevokedAt',
  'findBySid',
  'findBySub',
] as const

/** What keeps `store` from being a SessionStore: checked whole here, not at the first request that needs a missing method. */
export function storeProblem(store: unknown): string | undefined {
  if (typeof store !== 'object' || store === null) return 'must be a SessionStore (get, set, destroy, consumeOnce)'
  const methods = store as Record<string, unknown>
  const missing = STORE_METHODS.filter((name) => typeof methods[name] !== 'function')
  if (missing.length > 0)
    return `must be a SessionStore (get, set, destroy, consumeOnce): it has no ${missing.join(', ')}`
  const broken = OPTIONAL_STORE_METHODS.filter(
    (name) => methods[name] !== undefined && typeof methods[name] !== 'function',
  )
  return broken.length > 0 ? `must be a SessionStore: ${broken.join(', ')} must be methods when given` : undefined
}
