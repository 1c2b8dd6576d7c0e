import { parseCookie, stringifySetCookie } from 'cookie'
import { sign, unsign } from 'cookie-signature'
import { setNewest } from '../bounded-map.js'
import type { HttpRequest } from './types.js'
import { header } from './types.js'

/** The request's cookies by name. */
export type Cookies = Record<string, string | undefined>

export function readCookies(request: HttpRequest): Cookies {
  const raw = header(request, 'cookie')
  return raw ? parseCookie(raw) : {}
}

/**
 * Signs with the first secret and verifies with each in turn, so a secret can be rotated:
 * put the new one first and keep the old one until the cookies it signed have expired.
 */
export class CookieSigner {
  readonly #secrets: readonly string[]
  readonly #verified = new Map<string, string>()

  constructor(secrets: readonly string[]) {
    this.#secrets = secrets
  }

  sign(value: string): string {
    return sign(value, this.#secrets[0])
  }

  unsign(signed: string): string | undefined {
    for (const secret of this.#secrets) {
      const value = unsign(signed, secret)
      if (value !== false) return value
    }
    return undefined
  }

  /**
   * `unsign` for a value presented on every request (the session cookie): a value that
   * verified once is remembered, so the HMAC runs once per session and process instead of
   * once per request. Only exact values that verified are kept (a forgery never matches
   * one), the newest `VERIFIED_MAX`; what a value names is still looked up in the store.
   */
  unsignCached(signed: string): string | undefined {
    const hit = this.#verified.get(signed)
    if (hit !== undefined) return hit
    const value = this.unsign(signed)
    if (value === undefined) return undefined
    const id = flatCopy(value)
    setNewest(this.#verified, flatCopy(signed), id, VERIFIED_MAX)
    return id
  }
}

/**
 * A copy of `text` that shares no memory with the string it came from. A cookie value is
 * a V8 sliced string: it points into the request's whole `Cookie` header, and so does the
 * id `unsign` cuts out of it. Kept as they are, each cache entry would keep that header
 * alive (4.4 KB per entry with a 4 KB header, measured in memory-retention.test.ts). A
 * string decoded from bytes is always a fresh one.
 */
function flatCopy(text: string): string {
  return Buffer.from(text).toString()
}

/** Verified session cookies remembered per process: about 230 bytes each (measured: signed value, id and Map entry), 2.3 MB at most. */
const VERIFIED_MAX = 10_000

export interface CookieAttributes {
  secure: boolean
  /** Seconds; 0 deletes the cookie. Omitted: a browser-session cookie. */
  maxAge?: number
  /** Default `lax`; `none` (with Secure) for a cookie that must come back on a cross-site POST. */
  sameSite?: 'lax' | 'none'
}

/**
 * On https cookies get the `__Host-` prefix, which browsers accept only with Secure,
 * Path=/ and no Domain: the cookie cannot be set or shadowed by a sibling subdomain.
 */
export function cookieName(name: string, secure: boolean): string {
  return secure ? `__Host-${name}` : name
}

/**
 * RFC 6265 cookie-octets. Signed values (base64, base64url, `.`) are made of these, so they
 * are sent as they are: a value with no `%` is read back without URI-decoding it, on every
 * request. Anything else is URI-encoded.
 */
const COOKIE_OCTETS = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/

function encodeCookieValue(value: string): string {
  return COOKIE_OCTETS.test(value) && !value.includes('%') ? value : encodeURIComponent(value)
}

export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  return stringifySetCookie(name, value, {
    encode: encodeCookieValue,
    httpOnly: true,
    sameSite: attributes.sameSite ?? 'lax',
    secure: attributes.secure,
    path: '/',
    ...(attributes.maxAge === undefined ? {} : { maxAge: attributes.maxAge }),
  })
}

export function clearCookie(name: string, secure: boolean): string {
  return serializeCookie(name, '', { secure, maxAge: 0 })
}
