import { createHash } from 'node:crypto'
import { decodeProtectedHeader, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose'
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
  /** The `max_age` sent in the authorization request: `auth_time` is then required and checked. */
  maxAge?: number
  /** The access token issued with the ID token: its `at_hash`, when present, must match. */
  accessToken?: string
}

/** Token types that are not ID tokens, whatever else they look like. */
const OTHER_TYPES = ['at+jwt', 'application/at+jwt', 'logout+jwt', 'secevent+jwt', 'token-introspection+jwt']

export type IdTokenClaims = Claims & JWTPayload & { iat: number; exp: number }

/**
 * Verifies an ID token ourselves (openid-client does not verify its signature on the
 * code flow): signature against the provider's JWKS, or HMAC with the client secret for
 * HS*, with `alg` restricted to `algorithms` (which never holds `none`); then iss, aud,
 * azp, exp, nbf, iat, sub and nonce (OpenID Connect Core 3.1.3.7).
 */
export async function verifyIdToken(token: string, checks: IdTokenChecks): Promise<IdTokenClaims> {
  let payload: JWTPayload
  let alg: string
  try {
    ;({ payload, protectedHeader: { alg } } = await jwtVerify(token, providerKeys(checks.jwks, checks.clientSecret), {
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
  const typ = decodeProtectedHeader(token).typ?.toLowerCase()
  if (typ !== undefined && OTHER_TYPES.includes(typ)) throw refuse(`a token of type ${typ} is not an ID token`)
  if (typeof payload.sub !== 'string' || payload.sub === '') throw refuse('"sub" must be a non-empty string')
  if (typeof payload.iat !== 'number' || payload.iat > now + checks.clockTolerance) throw refuse('"iat" is in the future')
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp === undefined) throw refuse('several audiences and no "azp"')
  if (payload.azp !== undefined && payload.azp !== checks.clientId) throw refuse('"azp" is not this client')
  if (checks.nonce !== undefined && payload.nonce !== checks.nonce) throw refuse('"nonce" does not match the login')
  if (checks.maxAge !== undefined) {
    if (typeof payload.auth_time !== 'number') throw refuse('"auth_time" is required when max_age is requested')
    if (payload.auth_time + checks.maxAge + checks.clockTolerance < now) throw refuse('the authentication is older than max_age')
  }
  if (checks.accessToken !== undefined && payload.at_hash !== undefined && payload.at_hash !== tokenHash(checks.accessToken, alg)) {
    throw refuse('"at_hash" does not match the access token')
  }
  return payload as IdTokenClaims
}

/** OpenID Connect Core 3.1.3.6: the left half of the token's hash, with the hash of the JWS `alg`. */
function tokenHash(token: string, alg: string): string {
  const bits = alg === 'EdDSA' || alg === 'Ed25519' ? '512' : alg.slice(-3)
  const digest = createHash(`sha${bits}`).update(token).digest()
  return digest.subarray(0, digest.length / 2).toString('base64url')
}
