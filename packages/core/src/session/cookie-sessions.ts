import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { setNewest } from '../bounded-map.js'
import type { ResolvedConfig } from '../config/resolve.js'
import { OidcError } from '../errors.js'
import { clearCookie, cookieName, serializeCookie } from '../http/cookies.js'
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
import { pack, unpack } from './cookie-packing.js'
import type { SessionData } from '../store.js'

/*
 * The budget. Two limits apply, and a session that breaks either one locks its user out:
 * - Per cookie, browsers keep at least 4096 bytes (RFC 6265 §6.1; Chrome and Firefox count
 *   name and value, Safari the whole line). A chunk of 3600 characters, with its name
 *   (`__Host-oidc.session.1`: 21) and attributes (under 70 even with a year's Max-Age),
 *   makes a Set-Cookie line under 3700 bytes: room for a proxy or framework that adds one.
 * - All chunks travel back in one `Cookie` request header line, and most servers refuse a
 *   long one before the app sees the request: nginx over 8 KB
 *   (`large_client_header_buffers 4 8k`: 400 "Request Header Or Cookie Too Large"), Apache
 *   over 8190 bytes, Node a header block over 16 KB (431). The session takes at most 5000
 *   bytes of that line; the other 3 KB are for the app's own cookies and two or three
 *   login transactions in progress (0.5 to 1.5 KB each, one per tab signing in).
 * A session that does not fit is refused at sign-in and ended when it grows at refresh:
 * it is never written, since a browser holding it could not even reach /login again.
 */
/** Characters of cookie value per chunk. */
const CHUNK = 3600
/** Bytes all chunks may add to the Cookie request header (`name=value; ` each). */
export const SESSION_COOKIE_BUDGET = 5000
/** Chunks read at most: as many as the budget can need, so never fewer than were written. */
const MAX_CHUNKS = Math.ceil(SESSION_COOKIE_BUDGET / CHUNK)
/** Chunk names cleared when a session is refused or replaced: earlier versions wrote chunks without bound. */
const STALE_CHUNKS = 32

/**
 * Stateless sessions for deployments with no store: the session itself travels in
 * cookies, compressed and encrypted with AES-256-GCM under keys derived (HKDF) from the
 * configured secrets — the first encrypts, every one decrypts, so secrets rotate — and
 * split into chunks under the browser's 4 KB limit, within the budget above. What is
 * stored is packed (see `pack`): the claims the ID token holds are not stored twice.
 *
 * What needs server state is kept in this process only: one-time login states, the
 * refresh single-flight, and the sessions ended by logout or back-channel logout (a copy
 * of the cookie is refused afterwards in this process, not in others).
 */
export class CookieSessions implements SessionBackend {
  readonly stateless = true
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
    this.#name = cookieName('session', config.secure, config.cookies)
    this.#keys = config.secrets.map((secret) =>
      Buffer.from(hkdfSync('sha256', secret, '', 'oidc-rp session cookie v1', 32)),
    )
    this.#touchInterval = touchInterval(config.idleTimeout)
  }

  /** Signed out at once without a session cookie; a session cookie is decrypted by `load`. */
  peek(cookies: Cookies): null | undefined {
    return cookies[`${this.#name}.0`] === undefined ? null : undefined
  }

  async load(cookies: Cookies, setCookie: SetCookie): Promise<SessionRef | undefined> {
    const parts: string[] = []
    for (let i = 0; i < MAX_CHUNKS && cookies[`${this.#name}.${i}`] !== undefined; i += 1)
      parts.push(cookies[`${this.#name}.${i}`]!)
    if (parts.length === 0) return undefined
    const ref = this.#decrypt(parts.join(''))
    const t = now()
    if (!ref || remaining(ref.data, t, this.#config) <= 0 || this.#isEnded(ref)) {
      if (ref && remaining(ref.data, t, this.#config) <= 0) timedOut(this.#config, ref.data, t)
      this.#clear(0, this.#present(cookies), setCookie)
      return undefined
    }
    this.#chunks.set(ref, parts.length)
    if (t - ref.data.touchedAt >= this.#touchInterval) {
      ref.data = { ...ref.data, touchedAt: t }
      const oversize = this.#write(ref, setCookie)
      if (oversize !== undefined) {
        // Only a session written by an earlier version, or under a larger budget, gets here.
        this.#overflow(ref, oversize, setCookie, 'its expiry was extended')
        return undefined
      }
    }
    return ref
  }

  async create(data: SessionData, cookies: Cookies, setCookie: SetCookie): Promise<SessionRef> {
    const previous = this.#present(cookies)
    const ref = { id: newSessionId(), data }
    this.#chunks.set(ref, previous)
    const oversize = this.#write(ref, setCookie)
    if (oversize !== undefined) {
      // Nothing of the new session is written, and the previous one ends as at any sign-in:
      // the browser is left signed out, able to use the app and to sign in again.
      this.#clear(0, previous, setCookie)
      throw new OidcError(
        'session_too_large',
        `The session (${oversize} bytes in cookies with its tokens and claims, compressed and encrypted) does not fit in cookies (budget ${SESSION_COOKIE_BUDGET} bytes): the provider sends too many claims or groups for stateless sessions. Use a server-side session store (MemoryStore, @oidc-rp/redis), or ask the provider for fewer claims.`,
      )
    }
    return ref
  }

  async reload(ref: SessionRef): Promise<SessionData | undefined> {
    return this.#isEnded(ref) ? undefined : ref.data
  }

  /**
   * A session that no longer fits (a refresh brought more claims) ends here, cleanly: its
   * cookies are cleared, a warning is logged, and `session_ended` signs the user out (a
   * new sign-in is then refused with `session_too_large`, which names the fix). A session
   * ended meanwhile (a logout while its tokens were being renewed) is not written: false.
   */
  async save(ref: SessionRef, setCookie: SetCookie): Promise<boolean> {
    if (this.#isEnded(ref)) return false
    const oversize = this.#write(ref, setCookie)
    if (oversize === undefined) return true
    this.#overflow(ref, oversize, setCookie, 'its tokens were refreshed')
    throw new OidcError(
      'session_ended',
      `The session no longer fits in cookies (${oversize} bytes, budget ${SESSION_COOKIE_BUDGET}): sign in again.`,
    )
  }

  async destroy(ref: SessionRef, setCookie?: SetCookie): Promise<void> {
    this.#end(`id:${ref.id}`)
    // 0: already cleared (see #overflow).
    if (setCookie) this.#clear(0, this.#chunks.get(ref) ?? 1, setCookie)
  }

  withLock<T>(_id: string, operation: () => Promise<T>): Promise<T> {
    return operation() // no store: refresh is single-flight within this process only
  }

  consumeOnce(key: string, ttl: number): Promise<boolean> {
    return this.#local.consumeOnce(key, ttl)
  }

  /** Revocations of bearer tokens: in this process only, like the ended sessions. */
  revoke(key: string, at: number, ttl: number): Promise<void> {
    return this.#local.revoke(key, at, ttl)
  }

  revokedAt(key: string): Promise<number | undefined> {
    return this.#local.revokedAt(key)
  }

  peekRevokedAt(key: string): number | null {
    return this.#local.peekRevokedAt(key)
  }

  async endSessions(match: { sid?: string; sub?: string }): Promise<number> {
    if (match.sid !== undefined) this.#end(`sid:${match.sid}`)
    else if (match.sub !== undefined) this.#end(`sub:${match.sub}`)
    return 0 // unknown: the sessions are in browsers; they are refused when they come back
  }

  #end(key: string): void {
    // Bounded: forget the oldest; entries older than the absolute timeout cannot matter.
    const horizon = now() - this.#config.absoluteTimeout
    setNewest(this.#ended, key, now(), 100_000, (at) => at <= horizon)
  }

  #isEnded(ref: SessionRef): boolean {
    if (this.#ended.has(`id:${ref.id}`)) return true
    const bySid = ref.data.sid === undefined ? undefined : this.#ended.get(`sid:${ref.data.sid}`)
    const bySub = this.#ended.get(`sub:${ref.data.sub}`)
    return [bySid, bySub].some((at) => at !== undefined && ref.data.createdAt <= at)
  }

  /**
   * Writes the session's chunks and clears stale ones of a longer previous value; writes
   * nothing and answers the bytes it would take when that is over the budget.
   */
  #write(ref: SessionRef, setCookie: SetCookie): number | undefined {
    const value = this.#encrypt(ref)
    const count = Math.ceil(value.length / CHUNK)
    // `name.i=value; ` per chunk (fewer than 10 chunks: one digit).
    const bytes = value.length + count * (this.#name.length + 5)
    if (bytes > SESSION_COOKIE_BUDGET) return bytes
    const maxAge = Math.max(1, remaining(ref.data, now(), this.#config))
    for (let i = 0; i < count; i += 1) {
      setCookie(
        serializeCookie(`${this.#name}.${i}`, value.slice(i * CHUNK, (i + 1) * CHUNK), {
          secure: this.#config.secure,
          maxAge,
          sameSite: this.#config.cookies.sameSite,
          place: this.#config.cookies,
        }),
      )
    }
    this.#clear(count, this.#chunks.get(ref) ?? 0, setCookie)
    this.#chunks.set(ref, count)
    return undefined
  }

  /** Ends a session too large to be written: its cookies cleared, its copies refused here, a warning for the operator. */
  #overflow(ref: SessionRef, bytes: number, setCookie: SetCookie, when: string): void {
    this.#end(`id:${ref.id}`)
    this.#clear(0, this.#chunks.get(ref) ?? 1, setCookie)
    this.#chunks.set(ref, 0)
    this.#config.logger.warn(
      `a stateless session of sub ${JSON.stringify(ref.data.sub)} grew to ${bytes} bytes when ${when}, over the cookie budget of ${SESSION_COOKIE_BUDGET} bytes: session ended (the user must sign in again). Use a server-side session store (MemoryStore, @oidc-rp/redis), or ask the provider for fewer claims.`,
    )
  }

  /** One past the highest chunk the request carries (only on the rare paths: sign-in, a refused cookie). */
  #present(cookies: Cookies): number {
    for (let i = STALE_CHUNKS; i > 0; i -= 1) if (cookies[`${this.#name}.${i - 1}`] !== undefined) return i
    return 0
  }

  #clear(from: number, to: number, setCookie: SetCookie): void {
    for (let i = from; i < to; i += 1)
      setCookie(clearCookie(`${this.#name}.${i}`, this.#config.secure, this.#config.cookies))
  }

  #encrypt(ref: SessionRef): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.#keys[0], iv)
    cipher.setAAD(Buffer.from(this.#name))
    const body = Buffer.concat([cipher.update(deflateRawSync(pack(ref))), cipher.final()])
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
        const ref = unpack(inflateRawSync(plain))
        if (ref) return ref
      } catch {
        // wrong key or tampered: try the next secret
      }
    }
    return undefined
  }
}
