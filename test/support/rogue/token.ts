import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { bend } from './behaviour.js'
import { readForm, sendJson } from './http.js'
import { mintIdToken } from './id-token.js'
import type { Grant, RogueState } from './state.js'

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
  const outcome = authenticateClient(state, req, form) ?? grant(state, form)
  if (outcome.kind === 'error') {
    const headers: Record<string, string> = outcome.status === 401 ? { 'www-authenticate': 'Basic realm="rogue"' } : {}
    sendJson(res, outcome.status, { error: outcome.error, error_description: outcome.description }, headers)
    return
  }
  const { tokenStatus, tokenBody, answerDelayMs } = state.behaviour
  if (answerDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, answerDelayMs))
  if (!res.destroyed) sendJson(res, tokenStatus, bend(outcome.body, tokenBody))
}

function authenticateClient(state: RogueState, req: IncomingMessage, form: URLSearchParams): TokenError | undefined {
  const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')
  let id: string | null
  let secret: string | null
  if (basic?.[1] !== undefined) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    id = formDecode(decoded.slice(0, colon))
    secret = formDecode(decoded.slice(colon + 1))
  } else {
    id = form.get('client_id')
    secret = form.get('client_secret')
  }
  if (id === state.clientId && secret !== null && same(secret, state.clientSecret)) return undefined
  return { kind: 'error', status: 401, error: 'invalid_client', description: 'client authentication failed' }
}

function grant(state: RogueState, form: URLSearchParams): TokenError | Tokens {
  switch (form.get('grant_type')) {
    case 'authorization_code':
      return codeGrant(state, form)
    case 'refresh_token':
      return refreshGrant(state, form)
    default:
      return { kind: 'error', status: 400, error: 'unsupported_grant_type', description: 'authorization_code or refresh_token' }
  }
}

function codeGrant(state: RogueState, form: URLSearchParams): TokenError | Tokens {
  const issued = state.codes.get(form.get('code') ?? '')
  const invalid = (description: string): TokenError => ({ kind: 'error', status: 400, error: 'invalid_grant', description })
  if (issued === undefined) return invalid('unknown code')
  issued.uses += 1
  if (issued.uses > 1 && !state.behaviour.reusableCodes) return invalid('code already used')
  if (form.get('redirect_uri') !== issued.redirectUri) return invalid('redirect_uri mismatch')
  const verifier = form.get('code_verifier')
  if (issued.codeChallenge !== undefined) {
    if (verifier === null) return invalid('code_verifier missing')
    if (createHash('sha256').update(verifier).digest('base64url') !== issued.codeChallenge) return invalid('PKCE mismatch')
  }
  return tokens(state, { nonce: issued.nonce, scope: issued.scope, refreshToken: undefined, refresh: false })
}

function refreshGrant(state: RogueState, form: URLSearchParams): TokenError | Tokens {
  const presented = form.get('refresh_token') ?? ''
  const known = state.refreshTokens.get(presented)
  if (known === undefined) return { kind: 'error', status: 400, error: 'invalid_grant', description: 'unknown refresh token' }
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
  const record: Grant = { sub: typeof idToken.claims['sub'] === 'string' ? idToken.claims['sub'] : 'alice', scope: options.scope }
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
