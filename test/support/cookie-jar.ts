/**
 * A small cookie jar, one set of cookies per host (host:port, so two apps on loopback do
 * not share cookies). Honours Path and deletion (Max-Age<=0 or Expires in the past); it
 * deliberately keeps sending cookies past a future expiry, as an attacker could, so the
 * server is what is tested. Secure, HttpOnly and SameSite are ignored.
 */
export interface StoredCookie {
  host: string
  name: string
  value: string
  path: string
}

export class CookieJar {
  #cookies: StoredCookie[]

  constructor(cookies: readonly StoredCookie[] = []) {
    this.#cookies = cookies.map((cookie) => ({ ...cookie }))
  }

  /** An independent copy (e.g. the jar as it was before a request, to replay it later). */
  clone(): CookieJar {
    return new CookieJar(this.#cookies)
  }

  /** Stores the `Set-Cookie` headers of a response to `url`. */
  store(url: URL, setCookies: readonly string[]): void {
    for (const header of setCookies) {
      const parsed = parseSetCookie(header, url)
      if (parsed === undefined) continue
      this.#cookies = this.#cookies.filter(
        (c) => !(c.host === url.host && c.name === parsed.name && c.path === parsed.path),
      )
      if (!parsed.deleted)
        this.#cookies.push({ host: url.host, name: parsed.name, value: parsed.value, path: parsed.path })
    }
  }

  /** The `Cookie` header a browser would send to `url`, or undefined. */
  header(url: URL): string | undefined {
    const sent = this.list(url).map((c) => `${c.name}=${c.value}`)
    return sent.length === 0 ? undefined : sent.join('; ')
  }

  /** Cookies that would be sent to `url`, longest path first. */
  list(url: URL): StoredCookie[] {
    return this.#cookies
      .filter((c) => c.host === url.host && pathMatches(url.pathname, c.path))
      .sort((a, b) => b.path.length - a.path.length)
  }

  /** Every cookie held for the host of `url`, whatever its path. */
  all(url: URL): StoredCookie[] {
    return this.#cookies.filter((c) => c.host === url.host).map((c) => ({ ...c }))
  }

  set(url: URL, cookie: { name: string; value: string; path?: string }): void {
    const path = cookie.path ?? '/'
    this.#cookies = this.#cookies.filter((c) => !(c.host === url.host && c.name === cookie.name && c.path === path))
    this.#cookies.push({ host: url.host, name: cookie.name, value: cookie.value, path })
  }
}

export interface ParsedSetCookie {
  name: string
  value: string
  path: string
  deleted: boolean
}

export function parseSetCookie(header: string, url: URL): ParsedSetCookie | undefined {
  const [pair = '', ...attributes] = header.split(';')
  const equals = pair.indexOf('=')
  if (equals <= 0) return undefined
  const name = pair.slice(0, equals).trim()
  const value = pair.slice(equals + 1).trim()
  let path = defaultPath(url.pathname)
  let deleted = false
  for (const attribute of attributes) {
    const [rawKey = '', ...rest] = attribute.split('=')
    const key = rawKey.trim().toLowerCase()
    const attributeValue = rest.join('=').trim()
    if (key === 'path' && attributeValue.startsWith('/')) path = attributeValue
    if (key === 'max-age' && Number(attributeValue) <= 0) deleted = true
    if (key === 'expires' && Date.parse(attributeValue) <= Date.now()) deleted = true
  }
  return { name, value, path, deleted }
}

function defaultPath(requestPath: string): string {
  const slash = requestPath.lastIndexOf('/')
  return slash <= 0 ? '/' : requestPath.slice(0, slash)
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true
  if (!requestPath.startsWith(cookiePath)) return false
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'
}
