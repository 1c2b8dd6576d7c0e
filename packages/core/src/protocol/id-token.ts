import { createHash } from 'node:crypto'
import type { JWTPayload, JWTVerifyGetKey } from 'jose'
import type { OidcError } from '../errors.js'
import { safeClaims } from './claims.js'
import { refusal, verifyProviderJwt, type JwtProfile } from './jwt.js'
import type { ResolvedConfig } from '../config/resolve.js'
import type { Claims } from '../identity.js'
import type { Provider } from './provider.js'

export interface IdTokenChecks {
  /** The issuer, or the issuers of the allowed tenants of a multi-tenant provider. */
  issuer: string | readonly string[]
  clientId: string
  clientSecret: string | undefined
  algorithms: readonly string[]
  jwks: JWTVerifyGetKey
  clockTolerance: number
  /** The `max_age` sent in the authorization request: `auth_time` is then required and checked. */
  maxAge?: number
  /** The access token issued with the ID token: its `at_hash`, when present, must match. */
  accessToken?: string
}

/**
 * The provider, client and key checks every ID token gets (and, with the public key set,
 * logout tokens): built here only. A login adds its max_age and access token.
 */
export function idTokenChecks(
  config: Pick<ResolvedConfig, 'clientId' | 'clientSecret' | 'clockTolerance'>,
  provider: Provider,
): IdTokenChecks {
  return {
    issuer: provider.issuers,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    algorithms: provider.idTokenAlgs,
    jwks: provider.jwks,
    clockTolerance: config.clockTolerance,
  }
}

/** The provider and client part of a JWT profile: the same for ID tokens and logout tokens. */
export function providerChecks(
  checks: Omit<IdTokenChecks, 'maxAge' | 'accessToken'>,
): Omit<JwtProfile, 'name' | 'code' | 'types' | 'requiredClaims'> {
  return {
    jwks: checks.jwks,
    clientSecret: checks.clientSecret,
    issuer: checks.issuer,
    audience: checks.clientId,
    algorithms: checks.algorithms,
    clockTolerance: checks.clockTolerance,
  }
}

/**
 * The `typ` of an ID token as providers send it (as `headerType` compares it): none, or
 * `JWT` / `application/jwt`. Anything else (`logout+jwt`, `at+jwt`, `secevent+jwt`, or a
 * type not invented yet) is a token made for another purpose.
 */
export const ID_TOKEN_TYPES: readonly (string | undefined)[] = [undefined, 'jwt']

export type IdTokenClaims = Claims & JWTPayload & { iat: number; exp: number }

/**
 * Verifies an ID token ourselves (openid-client does not verify its signature on the
 * code flow): signature against the provider's JWKS, or HMAC with the client secret for
 * HS*, with `alg` restricted to `algorithms` (which never holds `none`); then the type
 * (`typ`, no `events`), iss, aud, azp, exp, nbf, iat, sub, auth_time and max_age, at_hash
 * (OpenID Connect Core 3.1.3.7) and plausible dates. Keys that cannot be fetched are the
 * provider's outage (`provider_unavailable`), not a refused token. The claims come back
 * without the keys that reach a prototype (`safeClaims`).
 *
 * Who checks what (one place per check): openid-client, at the code exchange, binds the
 * answer to the login (state, PKCE verifier, an ID token present) and checks its `nonce`,
 * which it cannot be told to skip (without `expectedNonce` it demands that there be none).
 * Everything else is checked here, at sign-in and refresh alike; max_age is not given to
 * openid-client. It still runs, on every token response, checks that no option turns off
 * (`alg` advertised, `crit`, exp, nbf, iss, aud, sub, azp with several audiences, auth_time
 * a number): each is made here too, the same or stricter, so none is relied on.
 */
export async function verifyIdToken(token: string, checks: IdTokenChecks): Promise<IdTokenClaims> {
  const { payload, alg } = await verifyProviderJwt(token, { ...ID_TOKEN, ...providerChecks(checks) })
  const now = Math.floor(Date.now() / 1000)
  if (payload.events !== undefined) throw refuse('it carries "events": it is a security event (logout) token')
  if (typeof payload.sub !== 'string' || payload.sub === '') throw refuse('"sub" must be a non-empty string')
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp === undefined)
    throw refuse('several audiences and no "azp"')
  if (payload.azp !== undefined && payload.azp !== checks.clientId) throw refuse('"azp" is not this client')
  if (checks.maxAge !== undefined) {
    if (typeof payload.auth_time !== 'number') throw refuse('"auth_time" is required when max_age is requested')
    if (payload.auth_time + checks.maxAge + checks.clockTolerance < now)
      throw refuse('the authentication is older than max_age')
  }
  if (
    checks.accessToken !== undefined &&
    payload.at_hash !== undefined &&
    payload.at_hash !== tokenHash(checks.accessToken, alg)
  ) {
    throw refuse('"at_hash" does not match the access token')
  }
  return safeClaims(payload) as IdTokenClaims
}

const ID_TOKEN = {
  name: 'ID token',
  code: 'invalid_id_token',
  types: { accepted: ID_TOKEN_TYPES, refusal: (typ: string) => `a token of type ${typ} is not an ID token` },
  requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
} as const

function refuse(reason: string): OidcError {
  return refusal(ID_TOKEN, reason)
}

/** OpenID Connect Core 3.1.3.6: the left half of the token's hash, with the hash of the JWS `alg`. */
function tokenHash(token: string, alg: string): string {
  const bits = alg === 'EdDSA' || alg === 'Ed25519' ? '512' : alg.slice(-3)
  const digest = createHash(`sha${bits}`).update(token).digest()
  return digest.subarray(0, digest.length / 2).toString('base64url')
}
