import { jwtVerify, type JWTPayload } from 'jose'
import { OidcError } from '../errors.js'
import type { IdTokenChecks } from './id-token.js'
import { headerType, implausibleDate, printableType } from './jwt.js'
import { isKeyServerOutage, providerKeys } from './keys.js'

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout'
/** Seconds a logout token is accepted after it was issued. */
export const LOGOUT_TOKEN_MAX_AGE = 300
/**
 * The `typ` of a logout token (as `headerType` compares it): `logout+jwt` (§2.4 recommends
 * it, `application/` optional), `JWT`, or none, as providers send them.
 */
const LOGOUT_TOKEN_TYPES: readonly (string | undefined)[] = ['logout+jwt', 'jwt', undefined]

/** The provider, client and key checks of an ID token; logout tokens have no nonce, max_age or at_hash. */
export type LogoutTokenChecks = Omit<IdTokenChecks, 'nonce' | 'maxAge' | 'accessToken'>

export interface LogoutClaims {
  jti: string
  sid?: string
  sub?: string
}

/**
 * OpenID Connect Back-Channel Logout 1.0 §2.6: validates a logout token. Keys that cannot be
 * fetched are the provider's outage (`provider_unavailable`: 503, and the provider retries),
 * not a refused token. `exp` is checked when present but not required: §2.4 of the final
 * specification requires it, the drafts that providers implement did not (Glewlwyd sends
 * none), and a token's age is bounded by `iat` anyway (`LOGOUT_TOKEN_MAX_AGE`), which is also
 * how long its `jti` is kept against replay.
 */
export async function verifyLogoutToken(token: string, checks: LogoutTokenChecks): Promise<LogoutClaims> {
  const header = headerType(token)
  if ('problem' in header) throw refuse(header.problem)
  if (!LOGOUT_TOKEN_TYPES.includes(header.typ)) throw refuse(`a token of type ${printableType(header.typ!)} is not a logout token`)
  let payload: JWTPayload
  try {
    ;({ payload } = await jwtVerify(token, providerKeys(checks.jwks, checks.clientSecret), {
      issuer: typeof checks.issuer === 'string' ? checks.issuer : [...checks.issuer],
      audience: checks.clientId,
      algorithms: [...checks.algorithms],
      clockTolerance: checks.clockTolerance,
      maxTokenAge: LOGOUT_TOKEN_MAX_AGE,
      requiredClaims: ['iss', 'aud', 'iat', 'jti'],
    }))
  } catch (err) {
    if (isKeyServerOutage(err)) throw err
    throw refuse(err instanceof Error ? err.message : 'verification failed', err)
  }
  const badDate = implausibleDate(payload, Math.floor(Date.now() / 1000), checks.clockTolerance)
  if (badDate !== undefined) throw refuse(badDate)
  const events = payload.events as Record<string, unknown> | undefined
  const event = typeof events === 'object' && events !== null ? events[BACKCHANNEL_EVENT] : undefined
  if (typeof event !== 'object' || event === null || Array.isArray(event)) throw refuse(`"events" must hold the ${BACKCHANNEL_EVENT} member`)
  if (payload.nonce !== undefined) throw refuse('it must not carry a "nonce"')
  if (typeof payload.jti !== 'string' || payload.jti === '') throw refuse('"jti" is required')
  const sid = typeof payload.sid === 'string' && payload.sid !== '' ? payload.sid : undefined
  const sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined
  if (sid === undefined && sub === undefined) throw refuse('it names neither "sid" nor "sub"')
  return { jti: payload.jti, ...(sid === undefined ? {} : { sid }), ...(sub === undefined ? {} : { sub }) }
}

function refuse(reason: string, cause?: unknown): OidcError {
  return new OidcError('invalid_logout_token', `The logout token was refused: ${reason}.`, cause === undefined ? {} : { cause })
}
