import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { decodeProtectedHeader, jwtVerify } from 'jose'
import { bend } from './behaviour.js'
import { readForm, sendJson } from './http.js'
import { mintIdToken } from './id-token.js'
import type { ClientAuthMethod, Grant, RogueState } from './state.js'

interface TokenError {
  kind: 'error'
  status: number
  error: string
  description: string
}

export async function handleToken(state: RogueState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const form = await readForm(req)
  const logged = new URLSearchParams(form)
  logged.delete('client_secret')
  state.lastTokenRequest = logged
  const outcome = (await authenticateClient(state, req, form)) ?? grant(state, form)
  if (outcome.kind === 'error') {
    const headers: Record<string, string> = outcome.status === 401 ? { 'www-authenticate': 'Basic realm="rogue"' } : {}
    sendJson(res, outcome.status, { error: outcome.error, error_description: outcome.description }, headers)
    return
  }
  const { tokenStatus, tokenBody, answerDelayMs } = state.behaviour
  if (answerDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, answerDelayMs))
  if (!res.destroyed) sendJson(res, tokenStatus, bend(outcome.body, tokenBody))
}

async function authenticateClient(
  state: RogueState,
  req: IncomingMessage,
  form: URLSearchParams,
): Promise<TokenError | undefined> {
  const refused: TokenError = {
    kind: 'error',
    status: 401,
    error: 'invalid_client',
    description: 'client authentication failed',
  }
  const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')
  let method: ClientAuthMethod
  let id: string | null
  let secret: string | null = null
  if (basic?.[1] !== undefined) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    const decode = state.behaviour.basicCredentials === 'decoded' ? formDecode : (value: string) => value
    method = 'client_secret_basic'
    id = decode(decoded.slice(0, colon))
    secret = decode(decoded.slice(colon + 1))
  } else if (form.get('client_assertion_type') === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
    const assertion = form.get('client_assertion') ?? ''
    const symmetric = decodeProtectedHeader(assertion).alg?.startsWith('HS') === true
    method = symmetric ? 'client_secret_jwt' : 'private_key_jwt'
    const key = symmetric ? new TextEncoder().encode(state.clientSecret) : state.clientKey
    if (key === undefined) return refused
    try {
      const { payload } = await jwtVerify(assertion, key, {
        issuer: state.clientId,
        subject: state.clientId,
        audience: state.issuer,
      })
      id = payload.iss ?? null
    } catch {
      return refused
    }
  } else {
    method = 'client_secret_post'
    id = form.get('client_id')
    secret = form.get('client_secret')
  }
  const secretOk =
    method === 'client_secret_jwt' ||
    method === 'private_key_jwt' ||
    (secret !== null && same(secret, state.clientSecret))
  if (id !== state.clientId || !secretOk) return refused
  state.lastClientAuth = method
  return undefined
}

function grant(state: RogueState, form: URLSearchParams): TokenError | Tokens {
  switch (form.get('grant_type')) {
    case 'authorization_code':
      return codeGrant(state, form)
    case 'refresh_token':
      return refreshGrant(state, form)
    default:
      return {
        kind: 'error',
        status: 400,
        error: 'unsupported_grant_type',
        description: 'authorization_code or refresh_token',
      }
  }
}

function codeGrant(state: RogueState, form: URLSearchParams): TokenError | Tokens {
  const issued = state.codes.get(form.get('code') ?? '')
  const invalid = (description: string): TokenError => ({
    kind: 'error',
    status: 400,
    error: 'invalid_grant',
    description,
  })
  if (issued === undefined) return invalid('unknown code')
  issued.uses += 1
  if (issued.uses > 1 && !state.behaviour.reusableCodes) return invalid('code already used')
  if (form.get('redirect_uri') !== issued.redirectUri) return invalid('redirect_uri mismatch')
  const verifier = form.get('code_verifier')
  if (issued.codeChallenge !== undefined) {
    if (verifier === null) return invalid('code_verifier missing')
    if (createHash('sha256').update(verifier).digest('base64url') !== issued.codeChallenge)
      return invalid('PKCE mismatch')
  }
  return tokens(state, { nonce: issued.nonce, scope: issued.scope, refreshToken: undefined, refresh: false })
}

function refreshGrant(state: RogueState, form: URLSearchParams): TokenError | Tokens {
  const presented = form.get('refresh_token') ?? ''
  const known = state.refreshTokens.get(presented)
  if (known === undefined)
    return { kind: 'error', status: 400, error: 'invalid_grant', description: 'unknown refresh token' }
  if (state.behaviour.rotateRefreshTokens) {
    state.refreshTokens.delete(presented)
    return tokens(state, { nonce: undefined, scope: known.scope, refreshToken: undefined, refresh: true })
  }
  return tokens(state, { nonce: undefined, scope: known.scope, refreshToken: presented, refresh: true })
}

interface Tokens {
  kind: 'tokens'
  body: Record<string, unknown>
}

function tokens(
  state: RogueState,
  options: { nonce: string | undefined; scope: string; refreshToken: string | undefined; refresh: boolean },
): Tokens {
  const { omitIdToken } = state.behaviour
  const omit = omitIdToken === true || (omitIdToken === 'refresh' && options.refresh)
  const accessToken = randomBytes(24).toString('base64url')
  const idToken = mintIdToken({ ...state, nonce: options.nonce, accessToken })
  const record: Grant = {
    sub: typeof idToken.claims['sub'] === 'string' ? idToken.claims['sub'] : 'alice',
    scope: options.scope,
  }
  const refreshToken = options.refreshToken ?? randomBytes(24).toString('base64url')
  state.accessTokens.set(accessToken, record)
  state.refreshTokens.set(refreshToken, record)
  const body = {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: state.behaviour.expiresIn,
    ...(omit ? {} : { id_token: (state.lastIdToken = idToken.jwt) }),
    refresh_token: refreshToken,
    scope: options.scope,
  }
  return { kind: 'tokens', body }
}

/** application/x-www-form-urlencoded decoding of one Basic credential half (RFC 6749 §2.3.1). */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '))
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}
