import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import type { ResolvedConfig } from '../config/resolve.js'
import { clearCookie, cookieName, serializeCookie } from '../http/cookies.js'
import type { SetCookie } from '../http/types.js'
import { newSessionId } from '../protocol/transaction.js'
import { now, remaining, touchInterval, type Cookies, type SessionBackend, type SessionRef } from './backend.js'
import { MemoryStore } from './memory-store.js'
import type { SessionData } from './store.js'

/** Characters of cookie value per chunk: with its name and attributes, well under the 4096-byte limit. */
const CHUNK = 3800
/** At most this many chunks are read; more means someone is stuffing cookies. */
const MAX_CHUNKS = 10

/**
 * Stateless sessions for deployments with no store: the session itself travels in
 * cookies, compressed and encrypted with AES-256-GCM under keys derived (HKDF) from the
 * configured secrets — the first encrypts, every one decrypts, so secrets rotate — and
 * split into chunks under the browser's 4 KB limit.
 *
 * What needs server state is kept in this process only: one-time login states, the
 * refresh single-flight, and the sessions ended by logout or back-channel logout (a copy
 * of the cookie is refused afterwards in this process, not in others).
 */
export class CookieSessions implements SessionBackend {
  readonly #config: ResolvedConfig
  readonly #name: string
  readonly #keys: Buffer[]
  readonly #touchInterval: number
  readonly #local = new MemoryStore({ max: 100_000 })
  readonly #chunks = new WeakMap<SessionRef, number>()
  /** Ended sessions (by id) and provider logouts (by sid or sub, with the time they happened). */
  readonly #ended = new Map<string, number>()

  constructor(config: ResolvedConfig) {
    this.#config = config
    this.#name = cookieName('oidc.session', config.secure)
    this.#keys = config.secrets.map((secret) => Buffer.from(hkdfSync('sha256', secret, '', 'oidc-rp session cookie v1', 32)))
    this.#touchInterval = touchInterval(config.idleTimeout)
  }

  /** Signed out at once without a session cookie; a session cookie is decrypted by `load`. */
  peek(cookies: Cookies): null | undefined {
    return cookies[`${this.#name}.0`] === undefined ? null : undefined
  }

  async load(cookies: Cookies, setCookie: SetCookie): Promise<SessionRef | undefined> {
    const parts: string[] = []
    for (let i = 0; i < MAX_CHUNKS && cookies[`${this.#name}.${i}`] !== undefined; i += 1) parts.push(cookies[`${this.#name}.${i}`]!)
    if (parts.length === 0) return undefined
    const ref = this.#decrypt(parts.join(''))
    const t = now()
    if (!ref || remaining(ref.data, t, this.#config) <= 0 || this.#isEnded(ref)) {
      this.#clear(0, parts.length, setCookie)
      return undefined
    }
    this.#chunks.set(ref, parts.length)
    if (t - ref.data.touchedAt >= this.#touchInterval) {
      ref.data = { ...ref.data, touchedAt: t }
      this.#write(ref, setCookie)
    }
    return ref
  }

  async create(data: SessionData, cookies: Cookies, setCookie: SetCookie): Promise<SessionRef> {
    let previous = 0
    while (previous < MAX_CHUNKS && cookies[`${this.#name}.${previous}`] !== undefined) previous += 1
    const ref = { id: newSessionId(), data }
    this.#chunks.set(ref, previous)
    this.#write(ref, setCookie)
    return ref
  }

  async reload(ref: SessionRef): Promise<SessionData | undefined> {
    return this.#isEnded(ref) ? undefined : ref.data
  }

  async save(ref: SessionRef, setCookie: SetCookie): Promise<void> {
    this.#write(ref, setCookie)
  }

  async destroy(ref: SessionRef, setCookie?: SetCookie): Promise<void> {
    this.#end(`id:${ref.id}`)
    if (setCookie) this.#clear(0, Math.max(1, this.#chunks.get(ref) ?? 1), setCookie)
  }

  withLock<T>(_id: string, operation: () => Promise<T>): Promise<T> {
    return operation() // no store: refresh is single-flight within this process only
  }

  consumeOnce(key: string, ttl: number): Promise<boolean> {
    return this.#local.consumeOnce(key, ttl)
  }

  async endSessions(match: { sid?: string; sub?: string }): Promise<number> {
    if (match.sid !== undefined) this.#end(`sid:${match.sid}`)
    else if (match.sub !== undefined) this.#end(`sub:${match.sub}`)
    return 0 // unknown: the sessions are in browsers; they are refused when they come back
  }

  #end(key: string): void {
    this.#ended.delete(key)
    this.#ended.set(key, now())
    // Bounded: forget the oldest; entries older than the absolute timeout cannot matter.
    const horizon = now() - this.#config.absoluteTimeout
    for (const [k, at] of this.#ended) {
      if (at > horizon && this.#ended.size <= 100_000) break
      this.#ended.delete(k)
    }
  }

  #isEnded(ref: SessionRef): boolean {
    if (this.#ended.has(`id:${ref.id}`)) return true
    const bySid = ref.data.sid === undefined ? undefined : this.#ended.get(`sid:${ref.data.sid}`)
    const bySub = this.#ended.get(`sub:${ref.data.sub}`)
    return [bySid, bySub].some((at) => at !== undefined && ref.data.createdAt <= at)
  }

  #write(ref: SessionRef, setCookie: SetCookie): void {
    const value = this.#encrypt(ref)
    const count = Math.ceil(value.length / CHUNK)
    const maxAge = Math.max(1, remaining(ref.data, now(), this.#config))
    for (let i = 0; i < count; i += 1) {
      setCookie(serializeCookie(`${this.#name}.${i}`, value.slice(i * CHUNK, (i + 1) * CHUNK), { secure: this.#config.secure, maxAge }))
    }
    this.#clear(count, this.#chunks.get(ref) ?? 0, setCookie) // stale chunks of a longer previous value
    this.#chunks.set(ref, count)
  }

  #clear(from: number, to: number, setCookie: SetCookie): void {
    for (let i = from; i < to; i += 1) setCookie(clearCookie(`${this.#name}.${i}`, this.#config.secure))
  }

  #encrypt(ref: SessionRef): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.#keys[0]!, iv)
    cipher.setAAD(Buffer.from(this.#name))
    const body = Buffer.concat([cipher.update(deflateRawSync(JSON.stringify({ id: ref.id, data: ref.data }))), cipher.final()])
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')
  }

  #decrypt(value: string): SessionRef | undefined {
    const raw = Buffer.from(value, 'base64url')
    if (raw.length < 12 + 16 + 1) return undefined
    for (const key of this.#keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12))
        decipher.setAAD(Buffer.from(this.#name))
        decipher.setAuthTag(raw.subarray(raw.length - 16))
        const plain = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()])
        const parsed = JSON.parse(inflateRawSync(plain).toString('utf8')) as { id?: unknown; data?: SessionData }
        if (typeof parsed.id === 'string' && typeof parsed.data?.sub === 'string') return { id: parsed.id, data: parsed.data }
      } catch {
        // wrong key or tampered: try the next secret
      }
    }
    return undefined
  }
}
