import { randomBytes } from 'node:crypto'
import type * as client from 'openid-client'
import type { Claims } from '../identity.js'
import type { IdTokenClaims } from '../protocol/id-token.js'
import type { SessionData } from '../store.js'

/** 256 random bits. */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url')
}

/** A new session from a sign-in: the verified ID token, the user's claims and the tokens that came with them, at `t`. */
export function signedInSession(
  idToken: string,
  idClaims: IdTokenClaims,
  claims: Claims,
  tokens: client.TokenEndpointResponse,
  t: number,
): SessionData {
  const session: SessionData = {
    sub: idClaims.sub,
    claims,
    idToken,
    idTokenExpiresAt: idClaims.exp,
    tokensAt: t,
    createdAt: t,
    touchedAt: t,
    ...tokenFields(tokens, t),
  }
  if (typeof idClaims.sid === 'string') session.sid = idClaims.sid
  return session
}

/** The access and refresh token fields of a token endpoint response. */
export function tokenFields(tokens: client.TokenEndpointResponse, t: number): Partial<SessionData> {
  const fields: Partial<SessionData> = { accessToken: tokens.access_token, tokenType: tokens.token_type }
  if (typeof tokens.expires_in === 'number') fields.accessTokenExpiresAt = t + tokens.expires_in
  if (tokens.refresh_token) fields.refreshToken = tokens.refresh_token
  if (tokens.scope) fields.scope = tokens.scope
  return fields
}
