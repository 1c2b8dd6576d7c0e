import type { ResolvedConfig } from '../config/resolve.js'
import { OidcError } from '../errors.js'
import { clearCookie, cookieName, type CookieSigner, serializeCookie } from '../http/cookies.js'
import type { SetCookie } from '../http/types.js'
import { newSessionId } from './session-data.js'
import {
  now,
  remaining,
  timedOut,
  touchInterval,
  type Cookies,
  type SessionBackend,
  type SessionRef,
} from './backend.js'
import { MemoryStore } from './memory-store.js'
import { TIMED_OUT, within } from './refresh-schedule.js'
import type { SessionData, SessionStore } from '../store.js'

/**
 * Server-side sessions: the cookie holds only a signed random id; the data lives in a
 * store. Rolling expiry is written with the store's `touch` (last use only, so it never
 * overwrites tokens another process refreshed) at most every few minutes.
 */
export class StoreSessions implements SessionBackend {
  readonly #config: ResolvedConfig
  readonly #store: SessionStore
  readonly #signer: CookieSigner
  readonly #cookie: string
  readonly #touchInterval: number
  #failing = false
  readonly stateless = false
  /** The store, or this process's memory when the store keeps no revocations. */
  readonly #revocations: SessionStore

  constructor(config: ResolvedConfig, store: SessionStore, signer: CookieSigner) {
    this.#config = config
    this.#store = store
    this.#signer = signer
    this.#cookie = cookieName('session', config.secure, config.cookies)
    this.#touchInterval = touchInterval(config.idleTimeout)
    this.#revocations = store.revoke && store.revokedAt ? store : new MemoryStore()
  }

  async load(cookies: Cookies, setCookie: SetCookie): Promise<SessionRef | undefined> {
    const value = cookies[this.#cookie]
    if (value === undefined) return undefined
    const id = this.#signer.unsignCached(value)
    const data = id === undefined ? undefined : await this.#call(() => this.#store.get(id))
    if (id === undefined || data === undefined) {
      setCookie(clearCookie(this.#cookie, this.#config.secure, this.#config.cookies))
      return undefined
    }
    const t = now()
    if (remaining(data, t, this.#config) <= 0) {
      timedOut(this.#config, data, t)
      await this.destroy({ id, data }, setCookie)
      return undefined
    }
    if (t - data.touchedAt < this.#touchInterval) return { id, data }
    const touched = { ...data, touchedAt: t }
    const ttl = remaining(touched, t, this.#config)
    const store = this.#store
    await this.#call(() => (store.touch ? store.touch(id, t, ttl) : store.set(id, touched, ttl)))
    return { id, data: touched }
  }

  peek(cookies: Cookies): SessionRef | null | undefined {
    const value = cookies[this.#cookie]
    if (value === undefined) return null
    const id = this.#signer.unsignCached(value)
    const data = id === undefined ? undefined : this.#store.peek?.(id)
    const t = now()
    if (
      id === undefined ||
      data === undefined ||
      remaining(data, t, this.#config) <= 0 ||
      t - data.touchedAt >= this.#touchInterval
    )
      return undefined
    return { id, data }
  }

  async create(data: SessionData, cookies: Cookies, setCookie: SetCookie): Promise<SessionRef> {
    const previous = cookies[this.#cookie] === undefined ? undefined : this.#signer.unsign(cookies[this.#cookie]!)
    if (previous !== undefined) await this.#call(() => this.#store.destroy(previous))
    const ref = { id: newSessionId(), data }
    await this.#write(ref)
    setCookie(
      serializeCookie(this.#cookie, this.#signer.sign(ref.id), {
        secure: this.#config.secure,
        maxAge: this.#config.absoluteTimeout,
        sameSite: this.#config.cookies.sameSite,
        place: this.#config.cookies,
      }),
    )
    return ref
  }

  reload(ref: SessionRef): Promise<SessionData | undefined> {
    return this.#call(() => this.#store.get(ref.id, { fresh: true }))
  }

  /** Writes renewed data, unless the session ended meanwhile (a logout during a refresh): then false. */
  async save(ref: SessionRef): Promise<boolean> {
    const ttl = remaining(ref.data, now(), this.#config)
    if (ttl <= 0) return false
    const store = this.#store
    if (store.replace) return this.#call(() => store.replace!(ref.id, ref.data, ttl))
    if ((await this.#call(() => store.get(ref.id, { fresh: true }))) === undefined) return false
    await this.#call(() => store.set(ref.id, ref.data, ttl))
    return true
  }

  async destroy(ref: SessionRef, setCookie?: SetCookie): Promise<void> {
    setCookie?.(clearCookie(this.#cookie, this.#config.secure, this.#config.cookies))
    await this.#call(() => this.#store.destroy(ref.id))
  }

  async withLock<T>(id: string, operation: () => Promise<T>): Promise<T> {
    const store = this.#store
    if (!store.lock) return operation()
    // Another process's refresh may hang at the provider for a long time: wait for its
    // lock no longer than a request may wait. A lock got after giving up is let go at once.
    const attempt = this.#call(() => store.lock!(id))
    const lock = await within(attempt, this.#config.httpTimeout * 1000)
    if (lock === TIMED_OUT) {
      attempt
        .then(
          (late) => late.release(),
          () => undefined,
        )
        .catch((err: unknown) => this.#config.logger.error(`could not release a session lock: ${message(err)}`))
      throw new OidcError(
        'session_busy',
        'Another request is renewing this session and has not finished in time; try again shortly.',
      )
    }
    try {
      return await operation()
    } finally {
      await lock
        .release()
        .catch((err: unknown) => this.#config.logger.error(`could not release a session lock: ${message(err)}`))
    }
  }

  revoke(key: string, at: number, ttl: number): Promise<void> {
    const store = this.#revocations
    return this.#call(() => store.revoke!(key, at, ttl))
  }

  revokedAt(key: string): Promise<number | undefined> {
    const store = this.#revocations
    return this.#call(() => store.revokedAt!(key))
  }

  peekRevokedAt(key: string): number | null | undefined {
    return this.#revocations.peekRevokedAt?.(key)
  }

  consumeOnce(key: string, ttl: number): Promise<boolean> {
    return this.#call(() => this.#store.consumeOnce(key, ttl))
  }

  async endSessions(match: { sid?: string; sub?: string }): Promise<number> {
    const store = this.#store
    const find =
      match.sid !== undefined
        ? store.findBySid?.bind(store, match.sid)
        : match.sub !== undefined
          ? store.findBySub?.bind(store, match.sub)
          : undefined
    if (!find)
      throw new OidcError(
        'misconfigured',
        'This session store cannot find sessions by sid or sub, so back-channel logout cannot end them. Use MemoryStore, @oidc-rp/redis, or a store with findBySid/findBySub.',
      )
    let ended = 0
    for (const id of await this.#call(find)) {
      const data = await this.#call(() => store.get(id, { fresh: true }))
      if (
        !data ||
        (match.sub !== undefined && data.sub !== match.sub) ||
        (match.sid !== undefined && data.sid !== match.sid)
      )
        continue
      await this.#call(() => store.destroy(id))
      ended += 1
    }
    return ended
  }

  async #write(ref: SessionRef): Promise<void> {
    const ttl = remaining(ref.data, now(), this.#config)
    if (ttl > 0) await this.#call(() => this.#store.set(ref.id, ref.data, ttl))
  }

  /** Store calls: a failure is a 503, logged once per outage (and its end once). */
  async #call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      const result = await operation()
      if (this.#failing) {
        this.#failing = false
        this.#config.logger.warn('session store is answering again')
      }
      return result
    } catch (err) {
      if (err instanceof OidcError) throw err
      if (!this.#failing) {
        this.#failing = true
        this.#config.logger.error(`session store failed, answering 503 until it is back: ${message(err)}`)
      }
      throw new OidcError('store_unavailable', 'The session store is unavailable; try again shortly.', { cause: err })
    }
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
