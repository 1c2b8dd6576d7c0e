/**
 * A tiny HTTP client that behaves like a browser where it matters to an RP: redirects are
 * NOT followed (each hop is inspected), cookies are kept per host name (as browsers do:
 * the apps and the provider on 127.0.0.1 share them), and every exchange is recorded so a
 * test can check all responses (e.g. for leaked stack traces). Cookies are sent past their
 * expiry, as an attacker could send them: the server's own expiry is what is tested.
 *
 * It speaks node:http rather than fetch(): Node's fetch forces `Sec-Fetch-Mode: cors` on
 * every request, so it cannot look like a top-level navigation (`Sec-Fetch-Mode: navigate`).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { CookieJar } from '../../packages/testing/src/cookie-jar.js'

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

/** What a browser sends for a top-level navigation, and for a script's fetch(). */
const NAVIGATION = {
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-dest': 'document',
}
const API = { accept: 'application/json', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' }

export class Browser {
  readonly jar: CookieJar
  readonly log: Exchange[]

  constructor(options: BrowserOptions = {}) {
    this.jar = options.jar ?? new CookieJar({ keepExpired: true })
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
    const sendCookies = options.cookies ?? true
    const headers: Record<string, string> = { ...options.headers }
    const cookie = sendCookies ? this.jar.header(url) : ''
    if (cookie !== '') headers['cookie'] = cookie
    const response = await send({ url, method, headers, body: options.body })
    const setCookies = response.message.headers['set-cookie'] ?? []
    if (sendCookies) this.jar.store(url, setCookies)
    const locationHeader = response.message.headers.location
    const exchange: Exchange = {
      method,
      url,
      status: response.message.statusCode ?? 0,
      headers: toHeaders(response.message),
      rawLocation: locationHeader,
      location:
        locationHeader !== undefined && URL.canParse(locationHeader, url.href)
          ? new URL(locationHeader, url)
          : undefined,
      setCookies,
      body: response.body,
    }
    this.log.push(exchange)
    return exchange
  }
}

function send(options: {
  url: URL
  method: string
  headers: Record<string, string>
  body: string | undefined
}): Promise<{ message: IncomingMessage; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      options.url,
      { method: options.method, headers: options.headers, agent: false },
      (message) => {
        const chunks: Buffer[] = []
        message.on('data', (chunk: Buffer) => chunks.push(chunk))
        message.on('end', () => resolve({ message, body: Buffer.concat(chunks).toString('utf8') }))
        message.on('error', reject)
      },
    )
    outgoing.on('error', reject)
    outgoing.end(options.body)
  })
}

function toHeaders(message: IncomingMessage): Headers {
  const headers = new Headers()
  for (const [name, value] of Object.entries(message.headers)) {
    if (value === undefined) continue
    for (const item of [value].flat()) headers.append(name, item)
  }
  return headers
}
