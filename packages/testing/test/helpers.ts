import { createHash, randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { CookieJar } from '../src/cookie-jar.js'
import type { DevProvider } from '../src/index.js'

export const CLIENT_ID = 'oidc-rp-dev'
export const CLIENT_SECRET = 'oidc-rp-dev-secret-please-change-0123456789'
export const REDIRECT_URI = 'http://127.0.0.1:9/callback'

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

export interface Hop {
  status: number
  location: string | undefined
  text: string
}

/** One browser-like request (manual redirects, cookies in `jar`). */
export async function hop(jar: CookieJar, url: string | URL, form?: Record<string, string>): Promise<Hop> {
  const target = new URL(url)
  const headers: Record<string, string> = {}
  const cookie = jar.header(target)
  if (cookie) headers['cookie'] = cookie
  const response = await fetch(target, {
    method: form ? 'POST' : 'GET',
    headers,
    body: form ? new URLSearchParams(form) : null,
    redirect: 'manual',
  })
  jar.store(target, response)
  const location = response.headers.get('location')
  return {
    status: response.status,
    location: location ? new URL(location, target).href : undefined,
    text: await response.text(),
  }
}

export interface AuthorizeOptions {
  clientId?: string
  scope?: string
  redirectUri?: string
  user?: string
  jar?: CookieJar
  /** More authorization request parameters (prompt, max_age...). */
  extra?: Record<string, string>
}

export interface Authorized {
  code: string
  state: string
  nonce: string
  verifier: string
  iss: string | null
  redirectUri: string
  jar: CookieJar
  callback: URL
  /** Whether the provider showed its login page. */
  sawLoginPage: boolean
}

/** The authorization code flow by hand, through the login page, up to the redirect_uri. */
export async function authorize(provider: DevProvider, options: AuthorizeOptions = {}): Promise<Authorized> {
  const jar = options.jar ?? new CookieJar()
  const { verifier, challenge } = pkce()
  const state = randomBytes(8).toString('hex')
  const nonce = randomBytes(8).toString('hex')
  const redirectUri = options.redirectUri ?? REDIRECT_URI
  const url = new URL(`${provider.issuer}/auth`)
  url.search = new URLSearchParams({
    client_id: options.clientId ?? CLIENT_ID,
    response_type: 'code',
    scope: options.scope ?? 'openid profile email',
    redirect_uri: redirectUri,
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...options.extra,
  }).toString()

  let step = await hop(jar, url)
  let loginPage: string | undefined
  for (let i = 0; i < 10 && step.location && !step.location.startsWith(redirectUri); i++) {
    loginPage = step.location
    step = await hop(jar, step.location)
  }
  if (!step.location?.startsWith(redirectUri)) {
    if (step.status !== 200 || !loginPage)
      throw new Error(`authorize: unexpected ${step.status}: ${step.text.slice(0, 500)}`)
    step = await hop(jar, `${loginPage}/login`, { user: options.user ?? 'alice' })
    for (let i = 0; i < 10 && step.location && !step.location.startsWith(redirectUri); i++) {
      step = await hop(jar, step.location)
    }
  }
  if (!step.location?.startsWith(redirectUri))
    throw new Error(`authorize: no redirect to the client: ${step.status} ${step.text.slice(0, 500)}`)
  const callback = new URL(step.location)
  const code = callback.searchParams.get('code')
  if (!code) throw new Error(`authorize: no code in ${callback.href}`)
  return {
    code,
    state: callback.searchParams.get('state') ?? '',
    nonce,
    verifier,
    iss: callback.searchParams.get('iss'),
    redirectUri,
    jar,
    callback,
    sawLoginPage: loginPage !== undefined && !loginPage.startsWith(redirectUri),
  }
}

export interface TokenResponse {
  status: number
  body: Record<string, unknown>
}

export interface ClientCredentials {
  clientId?: string
  clientSecret?: string | undefined
}

export async function tokenRequest(
  provider: DevProvider,
  params: Record<string, string>,
  client: ClientCredentials = {},
): Promise<TokenResponse> {
  const clientId = client.clientId ?? CLIENT_ID
  const secret = 'clientSecret' in client ? client.clientSecret : CLIENT_SECRET
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  const body = new URLSearchParams(params)
  if (secret === undefined) body.set('client_id', clientId)
  else
    headers['authorization'] =
      `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`
  const response = await fetch(`${provider.issuer}/token`, { method: 'POST', headers, body })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

export function exchange(
  provider: DevProvider,
  authorized: Authorized,
  client?: ClientCredentials,
): Promise<TokenResponse> {
  return tokenRequest(
    provider,
    {
      grant_type: 'authorization_code',
      code: authorized.code,
      redirect_uri: authorized.redirectUri,
      code_verifier: authorized.verifier,
    },
    client,
  )
}

export function refresh(
  provider: DevProvider,
  refreshToken: unknown,
  client?: ClientCredentials,
): Promise<TokenResponse> {
  if (typeof refreshToken !== 'string') throw new Error('no refresh token')
  return tokenRequest(provider, { grant_type: 'refresh_token', refresh_token: refreshToken }, client)
}

export async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

export async function close(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)))
  return Buffer.concat(chunks).toString('utf8')
}

/** Records what a back-channel logout endpoint receives. */
export async function startLogoutReceiver(
  status = 200,
): Promise<{ url: string; tokens: string[]; close(): Promise<void> }> {
  const tokens: string[] = []
  const server = createServer(async (req, res) => {
    const token = new URLSearchParams(await readBody(req)).get('logout_token')
    if (token) tokens.push(token)
    res.statusCode = status
    res.end()
  })
  const port = await listen(server)
  return { url: `http://127.0.0.1:${port}/backchannel-logout`, tokens, close: () => close(server) }
}

export interface ThrowawayRp {
  url: string
  /** sid -> claims of the sessions it created. */
  sessions: Map<string, Record<string, unknown>>
  close(): Promise<void>
}

/**
 * Just enough of a relying party for signIn: /login keeps its transaction in a cookie and
 * redirects to the provider; /callback checks state and iss, exchanges the code, sets
 * `sess`, clears the transaction cookie and redirects to returnTo.
 */
export async function startThrowawayRp(provider: DevProvider): Promise<ThrowawayRp> {
  const sessions = new Map<string, Record<string, unknown>>()
  let base = ''
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', base)
    const cookies = new Map((req.headers.cookie ?? '').split('; ').map((c) => c.split('=') as [string, string]))
    if (url.pathname === '/login') {
      const { verifier, challenge } = pkce()
      const state = randomBytes(8).toString('hex')
      const returnTo = url.searchParams.get('returnTo') ?? '/'
      const authorize = new URL(`${provider.issuer}/auth`)
      authorize.search = new URLSearchParams({
        client_id: CLIENT_ID,
        response_type: 'code',
        scope: 'openid profile email',
        redirect_uri: `${base}/callback`,
        state,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }).toString()
      res.setHeader(
        'set-cookie',
        `tx=${Buffer.from(JSON.stringify({ state, verifier, returnTo })).toString('base64url')}; Path=/; HttpOnly; SameSite=Lax; Max-Age=600`,
      )
      res.writeHead(302, { location: authorize.href }).end()
      return
    }
    if (url.pathname === '/callback') {
      const tx = JSON.parse(Buffer.from(cookies.get('tx') ?? '', 'base64url').toString() || '{}') as {
        state?: string
        verifier?: string
        returnTo?: string
      }
      if (!tx.state || tx.state !== url.searchParams.get('state') || url.searchParams.get('iss') !== provider.issuer) {
        res.writeHead(400).end('bad state or iss')
        return
      }
      const tokens = await tokenRequest(provider, {
        grant_type: 'authorization_code',
        code: url.searchParams.get('code') ?? '',
        redirect_uri: `${base}/callback`,
        code_verifier: tx.verifier ?? '',
      })
      if (tokens.status !== 200) {
        res.writeHead(502).end(JSON.stringify(tokens.body))
        return
      }
      const idToken = String(tokens.body['id_token'])
      const claims = JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString()) as Record<
        string,
        unknown
      >
      const sid = randomBytes(16).toString('hex')
      sessions.set(sid, claims)
      res.setHeader('set-cookie', [`sess=${sid}; Path=/; HttpOnly; SameSite=Lax`, 'tx=; Path=/; Max-Age=0'])
      res.writeHead(302, { location: tx.returnTo ?? '/' }).end()
      return
    }
    if (url.pathname === '/me') {
      const claims = sessions.get(cookies.get('sess') ?? '')
      res
        .writeHead(claims ? 200 : 401, { 'content-type': 'application/json' })
        .end(JSON.stringify(claims ?? { error: 'unauthenticated' }))
      return
    }
    res.writeHead(404).end()
  })
  const port = await listen(server)
  base = `http://127.0.0.1:${port}`
  return { url: base, sessions, close: () => close(server) }
}
