interface StoredCookie {
  name: string
  value: string
  path: string
  /** The origin whose response set it. */
  setBy: string
  /** Epoch milliseconds; undefined for a session cookie. */
  expiresAt: number | undefined
}

export interface CookieJarOptions {
  /**
   * Keep sending a cookie once its `Max-Age` or `Expires` has passed, as a client that
   * ignores them (an attacker) would, so that a test sees the server's own expiry. A
   * `Set-Cookie` that deletes (`Max-Age<=0`, an `Expires` in the past) still deletes.
   */
  keepExpired?: boolean
}

/**
 * A tiny browser-like cookie jar: cookies belong to a host name (not a port, as in browsers),
 * are matched by path prefix, and go away on `Max-Age<=0` or an `Expires` in the past.
 * `Domain`, `Secure` and `SameSite` are ignored: everything here is one loopback host.
 */
export class CookieJar {
  readonly #hosts = new Map<string, Map<string, StoredCookie>>()
  readonly #keepExpired: boolean

  constructor(options: CookieJarOptions = {}) {
    this.#keepExpired = options.keepExpired ?? false
  }

  /** An independent copy (e.g. the jar as it was before a request, to replay it later). */
  clone(): CookieJar {
    const copy = new CookieJar({ keepExpired: this.#keepExpired })
    for (const [host, cookies] of this.#hosts) copy.#hosts.set(host, new Map(cookies))
    return copy
  }

  /** Stores the `Set-Cookie` headers of a response to `url` (the response, or its headers). */
  store(url: URL, response: Response | readonly string[]): void {
    const headers = response instanceof Response ? response.headers.getSetCookie() : response
    for (const header of headers) this.#set(url, header)
  }

  /**
   * The `Cookie` header a browser would send to `url`, or '' when it has none; with `setBy`,
   * only the cookies that responses from that origin set.
   */
  header(url: URL, setBy?: string): string {
    const cookies = this.#hosts.get(url.hostname)
    if (!cookies) return ''
    const now = Date.now()
    const matching: StoredCookie[] = []
    for (const [key, cookie] of cookies) {
      if (!this.#keepExpired && cookie.expiresAt !== undefined && cookie.expiresAt <= now) cookies.delete(key)
      else if (pathMatches(url.pathname, cookie.path) && (setBy === undefined || cookie.setBy === setBy))
        matching.push(cookie)
    }
    // Longer paths first, as browsers do.
    matching.sort((a, b) => b.path.length - a.path.length)
    return matching.map((c) => `${c.name}=${c.value}`).join('; ')
  }

  #set(url: URL, header: string): void {
    const parsed = parseSetCookie(header, url)
    if (parsed === undefined) return
    const { name, value, path, expiresAt } = parsed
    let cookies = this.#hosts.get(url.hostname)
    if (!cookies) {
      cookies = new Map()
      this.#hosts.set(url.hostname, cookies)
    }
    const key = `${name}\u0000${path}`
    if (parsed.deleted) cookies.delete(key)
    else cookies.set(key, { name, value, path, setBy: url.origin, expiresAt })
  }
}

export interface ParsedSetCookie {
  name: string
  value: string
  /** `Path`, or the RFC 6265 default path of `url`. */
  path: string
  /** Epoch milliseconds, from `Max-Age` (which wins) or `Expires`; undefined for a session cookie. */
  expiresAt: number | undefined
  /** The header removes the cookie: `Max-Age<=0` or an `Expires` in the past. */
  deleted: boolean
}

/** One `Set-Cookie` header of a response to `url`; undefined when it has no `name=`. */
export function parseSetCookie(header: string, url: URL): ParsedSetCookie | undefined {
  const [pair = '', ...attributes] = header.split(';')
  const eq = pair.indexOf('=')
  if (eq <= 0) return undefined
  const name = pair.slice(0, eq).trim()
  const value = pair.slice(eq + 1).trim()
  let path = defaultPath(url.pathname)
  let expiresAt: number | undefined
  let maxAgeSeen = false
  for (const attribute of attributes) {
    const [rawKey = '', ...rest] = attribute.split('=')
    const key = rawKey.trim().toLowerCase()
    const attrValue = rest.join('=').trim()
    if (key === 'path' && attrValue.startsWith('/')) path = attrValue
    else if (key === 'max-age' && /^-?\d+$/.test(attrValue)) {
      maxAgeSeen = true
      expiresAt = Date.now() + Number(attrValue) * 1000
    } else if (key === 'expires' && !maxAgeSeen) {
      const time = Date.parse(attrValue)
      if (!Number.isNaN(time)) expiresAt = time
    }
  }
  return { name, value, path, expiresAt, deleted: expiresAt !== undefined && expiresAt <= Date.now() }
}

function defaultPath(pathname: string): string {
  const slash = pathname.lastIndexOf('/')
  return slash <= 0 ? '/' : pathname.slice(0, slash)
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true
  if (!requestPath.startsWith(cookiePath)) return false
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'
}
