import { randomBytes } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import { discoveryDocument } from './documents.js'
import { redirect, sendJson } from './http.js'
import type { RogueState } from './state.js'

/** No login page: answers at once with a redirect back to the client, as if the user consented. */
export function handleAuthorize(state: RogueState, url: URL, res: ServerResponse): void {
  const query = url.searchParams
  state.lastAuthorize = new URLSearchParams(query)
  const redirectUri = query.get('redirect_uri')
  if (query.get('client_id') !== state.clientId || redirectUri === null || !URL.canParse(redirectUri)) {
    sendJson(res, 400, 'unknown client_id or missing redirect_uri')
    return
  }
  const knobs = state.behaviour.authorize
  const back = new URL(redirectUri)
  const problem = knobs.error === undefined ? requestProblem(state, query) : undefined
  const error = knobs.error ?? problem?.error
  if (error === undefined) {
    const code = randomBytes(24).toString('base64url')
    state.codes.set(code, {
      redirectUri,
      nonce: query.get('nonce') ?? undefined,
      codeChallenge: query.get('code_challenge') ?? undefined,
      scope: query.get('scope') ?? '',
      uses: 0,
    })
    back.searchParams.set('code', knobs.code ?? code)
  } else {
    back.searchParams.set('error', error)
    const description = knobs.error_description ?? problem?.description
    if (description !== undefined) back.searchParams.set('error_description', description)
  }
  const sentState = knobs.state === undefined ? query.get('state') : knobs.state
  if (sentState !== null) back.searchParams.set('state', sentState)
  const advertised = discoveryDocument(state)['authorization_response_iss_parameter_supported'] === true
  const iss = knobs.iss === undefined ? (advertised ? state.issuer : null) : knobs.iss
  if (iss !== null) back.searchParams.set('iss', iss)
  for (const [name, value] of Object.entries(knobs.params ?? {})) {
    if (value === undefined) back.searchParams.delete(name)
    else back.searchParams.set(name, typeof value === 'string' ? value : JSON.stringify(value))
  }
  redirect(res, back)
}

function requestProblem(state: RogueState, query: URLSearchParams): { error: string; description: string } | undefined {
  if (query.get('response_type') !== 'code') return { error: 'unsupported_response_type', description: 'only code' }
  if (!(query.get('scope') ?? '').split(' ').includes('openid'))
    return { error: 'invalid_scope', description: 'openid scope missing' }
  const pkce = query.get('code_challenge_method') === 'S256' && (query.get('code_challenge') ?? '').length >= 43
  if (state.behaviour.requirePkce && !pkce)
    return { error: 'invalid_request', description: 'PKCE with S256 is required' }
  return undefined
}
