import type { Cookies } from '../http/cookies.js'
import type { SetCookie } from '../http/types.js'
import type { SessionData } from '../store.js'
import { emit, who, type Observer } from '../events.js'

/** A loaded session: its id and its data (replaced when tokens are refreshed). */
export interface SessionRef {
  readonly id: string
  data: SessionData
}

export type { Cookies } from '../http/cookies.js'

/**
 * Where the relying party keeps sessions: server-side in a store (`StoreSessions`, the
 * default) or in encrypted cookies (`CookieSessions`). Both apply the idle and absolute
 * timeouts and write nothing when nothing changed.
 */
export interface SessionBackend {
  /**
   * True when the session travels in the response's cookies (stateless): renewed data is
   * kept only by a response that writes it, so a refresh that ends after the response was
   * sent can reach the browser only with the session's next response.
   */
  readonly stateless: boolean
  /** The session the request's cookies name, still within its timeouts, or undefined (its cookie cleared). */
  load(cookies: Cookies, setCookie: SetCookie): Promise<SessionRef | undefined>
  /**
   * What `load` would answer, when this process can tell at once and `load` would write
   * nothing: `null` when the request carries no session cookie, the session when it is in
   * memory here and needs no touch. `undefined`: only `load` can tell.
   */
  peek(cookies: Cookies): SessionRef | null | undefined
  /** A new session under a new id (never the old one: no fixation); the previous one, if any, ends. */
  create(data: SessionData, cookies: Cookies, setCookie: SetCookie): Promise<SessionRef>
  /** The session's latest data: another process may have refreshed it. */
  reload(ref: SessionRef): Promise<SessionData | undefined>
  /** Writes renewed data; false when the session ended meanwhile (nothing is written then). */
  save(ref: SessionRef, setCookie: SetCookie): Promise<boolean>
  destroy(ref: SessionRef, setCookie?: SetCookie): Promise<void>
  /**
   * Runs `operation` holding the session's lock, across processes when the store offers
   * one; a lock another holder keeps longer than `httpTimeout` is `session_busy`.
   */
  withLock<T>(id: string, operation: () => Promise<T>): Promise<T>
  /** Whether `key` is used for the first time (login states, logout token `jti`s). */
  consumeOnce(key: string, ttl: number): Promise<boolean>
  /** Revokes credentials (bearer tokens) under `key` issued up to `at`, for `ttl` seconds; see `SessionStore.revoke`. */
  revoke(key: string, at: number, ttl: number): Promise<void>
  revokedAt(key: string): Promise<number | undefined>
  /** null: not revoked; undefined: only `revokedAt` can tell. */
  peekRevokedAt(key: string): number | null | undefined
  /** Ends the sessions of a provider session (`sid`) or of a user (`sub`): back-channel logout. */
  endSessions(match: { sid?: string; sub?: string }): Promise<number>
}

export function now(): number {
  return Math.floor(Date.now() / 1000)
}

/** Seconds a session has left: the nearer of its idle and absolute deadlines. */
export function remaining(
  data: SessionData,
  t: number,
  timeouts: { idleTimeout: number; absoluteTimeout: number },
): number {
  return Math.min(data.touchedAt + timeouts.idleTimeout, data.createdAt + timeouts.absoluteTimeout) - t
}

/** Rolling expiry is written at most this often, so that most requests write nothing. */
export function touchInterval(idleTimeout: number): number {
  return Math.min(idleTimeout / 10, 300)
}

/** The `sessionEnded` event of a session found past its idle or absolute timeout. */
export function timedOut(config: { observer: Observer; absoluteTimeout: number }, data: SessionData, t: number): void {
  if (config.observer.onEvent === undefined) return
  const reason = data.createdAt + config.absoluteTimeout <= t ? 'absolute_timeout' : 'idle_timeout'
  emit(config.observer, { type: 'sessionEnded', ...who(data), reason })
}
