/**
 * A tiny HTTP client that behaves like a browser where it matters to an RP: redirects are
 * NOT followed (each hop is inspected), cookies are kept per host, and every exchange is
 * recorded so a test can check all responses (e.g. for leaked stack traces).
 */
import { CookieJar } from './cookie-jar.js'

export interface Exchange {
  method: string
  url: URL
  status: number
  headers: Headers
  /** Location header as sent. */
  rawLocation: string | undefined
  /** Location header resolved against the request URL, as a browser would (when it parses). */
  location: URL | undefined
  setCookies: string[]
  body: string
}

export interface RequestOptions {
  method?: string
  headers?: Record<string, string>
  body?: string
  /** Send and store cookies (default true). */
  cookies?: boolean
}

export interface BrowserOptions {
  jar?: CookieJar
  /** Where to record every exchange; several browsers may share one log. */
  log?: Exchange[]
}

const NAVIGATION = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }
const API = { accept: 'application/json' }

export class Browser {
  readonly jar: CookieJar
  readonly log: Exchange[]

  constructor(options: BrowserOptions = {}) {
    this.jar = options.jar ?? new CookieJar()
    this.log = options.log ?? []
  }

  /** A top-level navigation (GET, Accept: text/html). */
  navigate(url: URL | string, options: RequestOptions = {}): Promise<Exchange> {
    return this.request(url, { ...options, headers: { ...NAVIGATION, ...options.headers } })
  }

  /** An API call (Accept: application/json). */
  api(url: URL | string, options: RequestOptions = {}): Promise<Exchange> {
    return this.request(url, { ...options, headers: { ...API, ...options.headers } })
  }

  async request(target: URL | string, options: RequestOptions = {}): Promise<Exchange> {
    const url = new URL(target)
    const method = options.method ?? 'GET'
    const headers = new Headers(options.headers)
    const sendCookies = options.cookies ?? true
    const cookie = sendCookies ? this.jar.header(url) : undefined
    if (cookie !== undefined) headers.set('cookie', cookie)
    const response = await fetch(url, {
      method,
      headers,
      redirect: 'manual',
      ...(options.body === undefined ? {} : { body: options.body }),
    })
    const setCookies = response.headers.getSetCookie()
    if (sendCookies) this.jar.store(url, setCookies)
    const locationHeader = response.headers.get('location')
    const exchange: Exchange = {
      method,
      url,
      status: response.status,
      headers: response.headers,
      rawLocation: locationHeader ?? undefined,
      location: locationHeader !== null && URL.canParse(locationHeader, url.href) ? new URL(locationHeader, url) : undefined,
      setCookies,
      body: await response.text(),
    }
    this.log.push(exchange)
    return exchange
  }
}
