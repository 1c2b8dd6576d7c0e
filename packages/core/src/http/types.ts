/**
 * The small, framework-neutral shape adapters translate to and from. Adapters build an
 * `HttpRequest` from their framework's request and write an `HttpResponse` back.
 */
export interface HttpRequest {
  method: string
  /** Path and query as routed to the middleware (relative to where it is mounted). */
  url: string
  /** Path and query as the browser sent it, for `returnTo`. Defaults to `url`. */
  originalUrl?: string
  headers: Record<string, string | string[] | undefined>
  /** A body the framework already parsed (e.g. `express.urlencoded()`), if any. */
  body?: unknown
  /** The raw body, read when the framework did not parse it. */
  rawBody?: () => AsyncIterable<Uint8Array | string>
}

export interface HttpResponse {
  status: number
  headers: Record<string, string | string[]>
  body?: string
}

/** Lets the core set cookies on the response being built by the framework. */
export type SetCookie = (header: string) => void

export function header(request: HttpRequest, name: string): string | undefined {
  const value = request.headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

/**
 * A browser navigation (GET, Accept has text/html) gets redirected to sign in; anything
 * else (fetch and XHR without text/html, API clients, curl) gets a 401 it can act on.
 */
export function isBrowserNavigation(request: HttpRequest): boolean {
  return (request.method === 'GET' || request.method === 'HEAD') && wantsHtml(request)
}

export function wantsHtml(request: HttpRequest): boolean {
  return (header(request, 'accept') ?? '').includes('text/html')
}

const MAX_FORM_BYTES = 64 * 1024

/** The request's form or query parameters, merged; the body is read at most once and bounded. */
export async function readForm(request: HttpRequest): Promise<URLSearchParams> {
  const { body } = request
  if (typeof body === 'string' || Buffer.isBuffer(body))
    return new URLSearchParams(body.toString('utf8').slice(0, MAX_FORM_BYTES))
  // A body parser that did not understand the type may leave `{}` without reading the stream.
  if (typeof body === 'object' && body !== null && Object.keys(body).length > 0) {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(body)) if (typeof v === 'string') params.set(k, v)
    return params
  }
  if (!request.rawBody) return new URLSearchParams()
  let text = ''
  for await (const chunk of request.rawBody()) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    if (text.length > MAX_FORM_BYTES) break
  }
  return new URLSearchParams(text.slice(0, MAX_FORM_BYTES))
}

export function json(status: number, value: unknown, headers: Record<string, string | string[]> = {}): HttpResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(value),
  }
}

export function redirect(location: string, headers: Record<string, string | string[]> = {}): HttpResponse {
  return { status: 302, headers: { location, 'cache-control': 'no-store', ...headers } }
}

export function html(status: number, body: string, headers: Record<string, string | string[]> = {}): HttpResponse {
  return {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body,
  }
}

/**
 * Whether the browser says the request comes from a page of `origin` itself (or from the
 * user, typing the URL): `Sec-Fetch-Site`, else `Origin`, else `Referer`. A request that
 * says none of them (not a browser, or one too old to send any) is taken as one.
 */
export function comesFrom(request: HttpRequest, origin: string): boolean {
  const site = header(request, 'sec-fetch-site')
  if (site !== undefined) return site === 'same-origin' || site === 'none'
  const from = header(request, 'origin') ?? header(request, 'referer')
  if (from === undefined) return true
  try {
    return new URL(from).origin === origin
  } catch {
    return false
  }
}

/** `localhost`, `[::1]` or 127.x.x.x: where plain http is acceptable. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname)
}
