import { jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose'
import { OidcError } from '../errors.js'
import { providerKeys } from './keys.js'
import type { Claims } from '../session/store.js'

export interface IdTokenChecks {
  issuer: string
  clientId: string
  clientSecret: string | undefined
  algorithms: readonly string[]
  jwks: JWTVerifyGetKey
  clockTolerance: number
  /** The nonce sent in the authorization request; required when given. */
  nonce?: string
}

export type IdTokenClaims = Claims & JWTPayload & { iat: number; exp: number }

/**
 * Verifies an ID token ourselves (openid-client does not verify its signature on the
 * code flow): signature against the provider's JWKS, or HMAC with the client secret for
 * HS*, with `alg` restricted to `algorithms` (which never holds `none`); then iss, aud,
 * azp, exp, nbf, iat, sub and nonce (OpenID Connect Core 3.1.3.7).
 */
export async function verifyIdToken(token: string, checks: IdTokenChecks): Promise<IdTokenClaims> {
  let payload: JWTPayload
  try {
    ;({ payload } = await jwtVerify(token, providerKeys(checks.jwks, checks.clientSecret), {
      issuer: checks.issuer,
      audience: checks.clientId,
      algorithms: [...checks.algorithms],
      clockTolerance: checks.clockTolerance,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
    }))
  } catch (err) {
    const reason = err instanceof Error ? err.message : 'unknown failure'
    throw new OidcError('invalid_id_token', `The ID token was refused: ${reason}.`, { cause: err })
  }
  const refuse = (reason: string) => new OidcError('invalid_id_token', `The ID token was refused: ${reason}.`)
  const now = Math.floor(Date.now() / 1000)
  if (typeof payload.sub !== 'string' || payload.sub === '') throw refuse('"sub" must be a non-empty string')
  if (typeof payload.iat !== 'number' || payload.iat > now + checks.clockTolerance) throw refuse('"iat" is in the future')
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp === undefined) throw refuse('several audiences and no "azp"')
  if (payload.azp !== undefined && payload.azp !== checks.clientId) throw refuse('"azp" is not this client')
  if (checks.nonce !== undefined && payload.nonce !== checks.nonce) throw refuse('"nonce" does not match the login')
  return payload as IdTokenClaims
}
