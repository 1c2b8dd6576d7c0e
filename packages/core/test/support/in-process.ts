/**
 * A relying party and an OpenID Provider in one process, with no socket: the provider is a
 * `fetch` function (the `fetch` option carries every request the middleware makes to a
 * provider), and requests go straight to `rp.handle()`. With vitest's clock
 * (`vi.useFakeTimers({ toFake: ['Date'] })`), token lifetimes, idle timeouts and login
 * transactions are tested in milliseconds instead of seconds.
 */
import { createHash, randomBytes } from 'node:crypto'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import { RelyingParty, type HandleResult, type OidcOptions } from '../../src/index.js'
import type { HttpRequest } from '../../src/http/types.js'

export const ISSUER = 'https://op.example'
export const CLIENT_ID = 'in-process-client'
const CLIENT_SECRET = 'in-process-secret-0123456789abcdef'
export const BASE_URL = 'https://app.example'

interface Grant {
  sub: string
  claims: Record<string, unknown>
  nonce?: string
  challenge?: string
}

/** The provider's side: what it was asked, and knobs for what it answers. */
export interface InProcessProvider {
  fetch: (url: string, init: RequestInit) => Promise<Response>
  /** Token-endpoint calls by grant type. */
  calls: { authorization_code: number; refresh_token: number }
  /** Seconds the tokens it issues live. */
  ttl: number
  /** Leave the ID token out of refresh answers (OpenID Connect Core §12.2). */
  idTokenOnRefresh: boolean
  /** Answers a sign-in at the authorization endpoint: the callback URL the browser is sent back to. */
  authorize(location: string, sub?: string): string
}

export async function inProcessProvider(): Promise<InProcessProvider> {
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }
  const codes = new Map<string, Grant>()
  const refreshTokens = new Map<string, Grant>()
  const provider: InProcessProvider = {
    calls: { authorization_code: 0, refresh_token: 0 },
    ttl: 300,
    idTokenOnRefresh: true,
    authorize(location, sub = 'alice') {
      const url = new URL(location)
      const code = randomBytes(16).toString('base64url')
      const grant: Grant = { sub, claims: { name: sub, groups: ['admins'] } }
      const nonce = url.searchParams.get('nonce')
      const challenge = url.searchParams.get('code_challenge')
      if (nonce !== null) grant.nonce = nonce
      if (challenge !== null) grant.challenge = challenge
      codes.set(code, grant)
      const back = new URL(url.searchParams.get('redirect_uri')!)
      back.search = new URLSearchParams({ code, state: url.searchParams.get('state')!, iss: ISSUER }).toString()
      return back.href
    },
    async fetch(url, init) {
      const { pathname } = new URL(url)
      if (pathname === '/.well-known/openid-configuration') return json(metadata())
      if (pathname === '/jwks') return json({ keys: [jwk] })
      if (pathname === '/token') return token(new URLSearchParams(init.body as URLSearchParams | string))
      return json({ error: 'not_found' }, 404)
    },
  }

  async function token(form: URLSearchParams): Promise<Response> {
    const grantType = form.get('grant_type')
    if (grantType === 'authorization_code') {
      provider.calls.authorization_code += 1
      const grant = codes.get(form.get('code') ?? '')
      codes.delete(form.get('code') ?? '')
      const verifier = form.get('code_verifier') ?? ''
      if (!grant || createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) {
        return json({ error: 'invalid_grant' }, 400)
      }
      return json(await tokens(grant, true))
    }
    if (grantType === 'refresh_token') {
      provider.calls.refresh_token += 1
      const grant = refreshTokens.get(form.get('refresh_token') ?? '')
      if (!grant) return json({ error: 'invalid_grant' }, 400)
      refreshTokens.delete(form.get('refresh_token') ?? '') // one-time: rotated at every use
      return json(await tokens({ sub: grant.sub, claims: grant.claims }, provider.idTokenOnRefresh))
    }
    return json({ error: 'unsupported_grant_type' }, 400)
  }

  async function tokens(grant: Grant, withIdToken: boolean): Promise<Record<string, unknown>> {
    const refreshToken = randomBytes(16).toString('base64url')
    refreshTokens.set(refreshToken, grant)
    const answer: Record<string, unknown> = {
      access_token: randomBytes(16).toString('base64url'),
      token_type: 'Bearer',
      expires_in: provider.ttl,
      refresh_token: refreshToken,
    }
    if (withIdToken) answer['id_token'] = await idToken(privateKey, grant, provider.ttl)
    return answer
  }
  return provider
}

function idToken(key: CryptoKey, grant: Grant, ttl: number): Promise<string> {
  const t = Math.floor(Date.now() / 1000)
  return new SignJWT({ ...grant.claims, ...(grant.nonce === undefined ? {} : { nonce: grant.nonce }), auth_time: t })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(CLIENT_ID)
    .setSubject(grant.sub)
    .setIssuedAt(t)
    .setExpirationTime(t + ttl)
    .sign(key)
}

function metadata(): Record<string, unknown> {
  return {
    issuer: ISSUER,
    authorization_endpoint: `${ISSUER}/authorize`,
    token_endpoint: `${ISSUER}/token`,
    jwks_uri: `${ISSUER}/jwks`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic'],
    authorization_response_iss_parameter_supported: true,
  }
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
}

/** A browser of one: its cookies, sent with each request to `rp.handle()`. */
export class InProcessBrowser {
  readonly cookies = new Map<string, string>()
  constructor(readonly rp: RelyingParty) {}

  async request(method: string, url: string, headers: Record<string, string> = {}): Promise<HandleResult> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    const request: HttpRequest = {
      method,
      url,
      headers: { accept: 'text/html', ...headers, ...(cookie ? { cookie } : {}) },
    }
    return this.rp.handle(request, (header) => this.#store(header))
  }

  #store(header: string): void {
    const [pair = ''] = header.split(';')
    const at = pair.indexOf('=')
    const name = pair.slice(0, at)
    const value = pair.slice(at + 1)
    if (value === '' || /;\s*max-age=0/i.test(header)) this.cookies.delete(name)
    else this.cookies.set(name, value)
  }

  /** `/login`, the provider's answer, `/callback`: answers the callback's result. */
  async signIn(provider: InProcessProvider, sub = 'alice'): Promise<HandleResult> {
    const login = await this.request('GET', '/login')
    const location = login.response?.headers['location']
    if (typeof location !== 'string') throw new Error(`no redirect from /login: ${login.response?.status}`)
    const back = new URL(provider.authorize(location, sub))
    return this.request('GET', back.pathname + back.search)
  }
}

/** A relying party whose provider is `provider`, on https (so its cookies are `__Host-`). */
export function inProcessRp(provider: InProcessProvider, options: Partial<OidcOptions> = {}): RelyingParty {
  return new RelyingParty(
    {
      issuer: ISSUER,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      baseURL: BASE_URL,
      secret: 'in-process-cookie-secret-0123456789abcdef',
      authRequired: false,
      fetch: provider.fetch,
      ...options,
    },
    {},
  )
}
