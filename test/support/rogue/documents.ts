import type { IncomingMessage, ServerResponse } from 'node:http'
import { bend, bendObject } from './behaviour.js'
import { bearerToken, redirect, sendJson } from './http.js'
import { publishedJwks } from './keys.js'
import type { RogueState } from './state.js'

export function discoveryDocument(state: RogueState): Record<string, unknown> {
  const { issuer } = state
  const correct = {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    userinfo_endpoint: `${issuer}/userinfo`,
    end_session_endpoint: `${issuer}/end_session`,
    scopes_supported: ['openid', 'profile', 'email', 'groups', 'offline_access'],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256', 'ES256', 'HS256'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'email', 'name', 'groups'],
    authorization_response_iss_parameter_supported: true,
  }
  return bendObject(correct, state.behaviour.discovery)
}

export function handleDiscovery(state: RogueState, res: ServerResponse): void {
  sendJson(res, 200, discoveryDocument(state))
}

export function handleJwks(state: RogueState, res: ServerResponse): void {
  sendJson(res, state.behaviour.jwksStatus, bend(publishedJwks(state.keys), state.behaviour.jwks))
}

/** A JWKS with only the foreign key, at /foreign/jwks: what an attacker would point `jku` at. */
export function handleForeignJwks(state: RogueState, res: ServerResponse): void {
  sendJson(res, 200, { keys: [state.keys.foreign.publicJwk] })
}

export function handleUserinfo(state: RogueState, req: IncomingMessage, res: ServerResponse): void {
  const grant = state.accessTokens.get(bearerToken(req) ?? '')
  if (grant === undefined) {
    sendJson(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' })
    return
  }
  const correct = {
    sub: grant.sub,
    email: 'alice@example.com',
    name: 'Alice Example',
    groups: ['admins', 'developers'],
  }
  sendJson(res, state.behaviour.userinfoStatus, bend(correct, state.behaviour.userinfo))
}

export function handleEndSession(url: URL, res: ServerResponse): void {
  const target = url.searchParams.get('post_logout_redirect_uri')
  if (target === null) {
    sendJson(res, 200, 'signed out')
    return
  }
  const back = new URL(target)
  const logoutState = url.searchParams.get('state')
  if (logoutState !== null) back.searchParams.set('state', logoutState)
  redirect(res, back)
}
