import { parseCookie, stringifySetCookie } from 'cookie'
import { sign, unsign } from 'cookie-signature'
import type { HttpRequest } from './types.js'
import { header } from './types.js'

export function readCookies(request: HttpRequest): Record<string, string | undefined> {
  const raw = header(request, 'cookie')
  return raw ? parseCookie(raw) : {}
}

/**
 * Signs with the first secret and verifies with each in turn, so a secret can be rotated:
 * put the new one first and keep the old one until the cookies it signed have expired.
 */
export class CookieSigner {
  readonly #secrets: readonly string[]

  constructor(secrets: readonly string[]) {
    this.#secrets = secrets
  }

  sign(value: string): string {
    return sign(value, this.#secrets[0]!)
  }

  unsign(signed: string): string | undefined {
    for (const secret of this.#secrets) {
      const value = unsign(signed, secret)
      if (value !== false) return value
    }
    return undefined
  }
}

export interface CookieAttributes {
  secure: boolean
  /** Seconds; 0 deletes the cookie. Omitted: a browser-session cookie. */
  maxAge?: number
}

/**
 * On https cookies get the `__Host-` prefix, which browsers accept only with Secure,
 * Path=/ and no Domain: the cookie cannot be set or shadowed by a sibling subdomain.
 */
export function cookieName(name: string, secure: boolean): string {
  return secure ? `__Host-${name}` : name
}

export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  return stringifySetCookie(name, value, {
    httpOnly: true,
    sameSite: 'lax',
    secure: attributes.secure,
    path: '/',
    ...(attributes.maxAge === undefined ? {} : { maxAge: attributes.maxAge }),
  })
}

export function clearCookie(name: string, secure: boolean): string {
  return serializeCookie(name, '', { secure, maxAge: 0 })
}
