import type { ResolvedConfig } from '../config/resolve.js'
import { OidcError } from '../errors.js'
import { clearCookie, cookieName, CookieSigner, serializeCookie } from '../http/cookies.js'
import type { SetCookie } from '../http/types.js'
import { newSessionId } from '../protocol/transaction.js'
import type { SessionData, SessionStore } from './store.js'

/** A loaded session: its id in the store and its data (replaced when tokens are refreshed). */
export interface SessionRef {
  readonly id: string
  data: SessionData
}

export function now(): number {
  return Math.floor(Date.now() / 1000)
}

/**
 * Sessions on top of a store: the signed session-id cookie, idle and absolute timeouts,
 * and rolling expiry written at most every `touchInterval` seconds, so that a request
 * that changes nothing writes nothing.
 */
export class Sessions {
  readonly cookie: string
  readonly #config: ResolvedConfig
  readonly #store: SessionStore
  readonly #signer: CookieSigner
  readonly #touchInterval: number

  constructor(config: ResolvedConfig, signer: CookieSigner) {
    this.#config = config
    this.#store = config.store
    this.#signer = signer
    this.cookie = cookieName('oidc.session', config.secure)
    this.#touchInterval = Math.min(config.idleTimeout / 10, 300)
  }

  /** The session named by the request's cookie, or undefined (and the cookie cleared) when there is none any more. */
  async load(cookieValue: string | undefined, setCookie: SetCookie): Promise<SessionRef | undefined> {
    if (cookieValue === undefined) return undefined
    const id = this.#signer.unsign(cookieValue)
    if (id === undefined) {
      setCookie(clearCookie(this.cookie, this.#config.secure))
      return undefined
    }
    const data = await this.#call(() => this.#store.get(id))
    if (!data) {
      setCookie(clearCookie(this.cookie, this.#config.secure))
      return undefined
    }
    const t = now()
    if (this.#ttl(data, t) <= 0) {
      await this.destroy(id, setCookie)
      return undefined
    }
    if (t - data.touchedAt >= this.#touchInterval) {
      const touched = { ...data, touchedAt: t }
      const ttl = this.#ttl(touched, t)
      await this.#call(() => (this.#store.touch ? this.#store.touch(id, t, ttl) : this.#store.set(id, touched, ttl)))
      return { id, data: touched }
    }
    return { id, data }
  }

  /** A new session under a new id (never the old one: no fixation), and its cookie. */
  async create(data: SessionData, setCookie: SetCookie): Promise<SessionRef> {
    const ref = { id: newSessionId(), data }
    await this.save(ref)
    setCookie(serializeCookie(this.cookie, this.#signer.sign(ref.id), { secure: this.#config.secure, maxAge: this.#config.absoluteTimeout }))
    return ref
  }

  async reload(id: string): Promise<SessionData | undefined> {
    return this.#call(() => this.#store.get(id))
  }

  async save(ref: SessionRef): Promise<void> {
    const ttl = this.#ttl(ref.data, now())
    if (ttl > 0) await this.#call(() => this.#store.set(ref.id, ref.data, ttl))
  }

  async destroy(id: string, setCookie?: SetCookie): Promise<void> {
    setCookie?.(clearCookie(this.cookie, this.#config.secure))
    await this.#call(() => this.#store.destroy(id))
  }

  /** Runs `operation` holding the store's lock on the session, when the store has locks. */
  async withLock<T>(id: string, operation: () => Promise<T>): Promise<T> {
    const store = this.#store
    if (!store.lock) return operation()
    const lock = await this.#call(() => store.lock!(id))
    try {
      return await operation()
    } finally {
      await lock.release().catch((err: unknown) => this.#config.logger.error(`could not release a session lock: ${err instanceof Error ? err.message : String(err)}`))
    }
  }

  consumeOnce(key: string, ttl: number): Promise<boolean> {
    return this.#call(() => this.#store.consumeOnce(key, ttl))
  }

  /** Seconds the session has left: the nearer of its idle and absolute deadlines. */
  #ttl(data: SessionData, t: number): number {
    return Math.min(data.touchedAt + this.#config.idleTimeout, data.createdAt + this.#config.absoluteTimeout) - t
  }

  async #call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation()
    } catch (err) {
      if (err instanceof OidcError) throw err
      const detail = err instanceof Error ? err.message : String(err)
      this.#config.logger.error(`session store failed: ${detail}`)
      throw new OidcError('store_unavailable', 'The session store is unavailable; try again shortly.', { cause: err })
    }
  }
}
