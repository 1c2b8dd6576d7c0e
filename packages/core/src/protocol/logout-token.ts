import type { OidcError } from '../errors.js'
import { providerChecks, type IdTokenChecks } from './id-token.js'
import { refusal, verifyProviderJwt } from './jwt.js'

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout'
/** Seconds a logout token is accepted after it was issued. */
export const LOGOUT_TOKEN_MAX_AGE = 300
/**
 * The `typ` of a logout token (as `headerType` compares it): `logout+jwt` (§2.4 recommends
 * it, `application/` optional), `JWT`, or none, as providers send them.
 */
const LOGOUT_TOKEN_TYPES: readonly (string | undefined)[] = ['logout+jwt', 'jwt', undefined]

/**
 * The provider, client and key checks of an ID token (logout tokens have no nonce, max_age
 * or at_hash), and whether `exp` is required (`logoutTokenWithoutExp` turns that off).
 */
export type LogoutTokenChecks = Omit<IdTokenChecks, 'maxAge' | 'accessToken'> & { expRequired: boolean }

export interface LogoutClaims {
  jti: string
  sid?: string
  sub?: string
}

/**
 * OpenID Connect Back-Channel Logout 1.0 §2.6: validates a logout token. Keys that cannot be
 * fetched are the provider's outage (`provider_unavailable`: 503, and the provider retries),
 * not a refused token. `exp` is required, as §2.4 of the final specification says, unless
 * the app turned that off for a provider that follows an earlier draft (Glewlwyd sends none);
 * then it is checked when present, and the token's age is bounded by `iat` anyway
 * (`LOGOUT_TOKEN_MAX_AGE`), which is also how long its `jti` is kept against replay.
 */
export async function verifyLogoutToken(token: string, checks: LogoutTokenChecks): Promise<LogoutClaims> {
  const requiredClaims = checks.expRequired
    ? LOGOUT_TOKEN.requiredClaims
    : LOGOUT_TOKEN.requiredClaims.filter((claim) => claim !== 'exp')
  const { payload } = await verifyProviderJwt(token, {
    ...LOGOUT_TOKEN,
    requiredClaims,
    ...providerChecks(checks),
    maxTokenAge: LOGOUT_TOKEN_MAX_AGE,
  })
  const events = payload.events as Record<string, unknown> | undefined
  const event = typeof events === 'object' && events !== null ? events[BACKCHANNEL_EVENT] : undefined
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    throw refuse(`"events" must hold the ${BACKCHANNEL_EVENT} member`)
  if (payload.nonce !== undefined) throw refuse('it must not carry a "nonce"')
  if (typeof payload.jti !== 'string' || payload.jti === '') throw refuse('"jti" is required')
  const sid = typeof payload.sid === 'string' && payload.sid !== '' ? payload.sid : undefined
  const sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined
  if (sid === undefined && sub === undefined) throw refuse('it names neither "sid" nor "sub"')
  return { jti: payload.jti, ...(sid === undefined ? {} : { sid }), ...(sub === undefined ? {} : { sub }) }
}

const LOGOUT_TOKEN = {
  name: 'logout token',
  code: 'invalid_logout_token',
  types: { accepted: LOGOUT_TOKEN_TYPES, refusal: (typ: string) => `a token of type ${typ} is not a logout token` },
  requiredClaims: ['iss', 'aud', 'iat', 'exp', 'jti'],
} as const

function refuse(reason: string): OidcError {
  return refusal(LOGOUT_TOKEN, reason)
}
