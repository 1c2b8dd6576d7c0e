import { decodeProtectedHeader, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose'
import { OidcError } from '../errors.js'
import { isKeyServerOutage, providerKeys } from './keys.js'

/**
 * The `typ` header of a compact JWT, compared the way RFC 7515 §4.1.9 says: without case,
 * and with the `application/` prefix optional (`application/logout+jwt` is `logout+jwt`);
 * `undefined` when absent. Each verifier accepts its own short list of types: an
 * allow-list, so that a token made for something else (a logout token, an access token, a
 * security event) is never taken for the one expected.
 */
export function headerType(token: string): { typ: string | undefined } | { problem: string } {
  let typ: unknown
  try {
    typ = decodeProtectedHeader(token).typ
  } catch {
    return { problem: 'it is not a JWT' }
  }
  if (typ === undefined) return { typ }
  if (typeof typ !== 'string') return { problem: 'its "typ" header is not a string' }
  const lower = typ.toLowerCase()
  return { typ: lower.startsWith('application/') ? lower.slice('application/'.length) : lower }
}

/** A `typ` for a refusal message: only the characters a media type has. */
export function printableType(typ: string): string {
  return `"${typ.replace(/[^\w+/.-]/g, '').slice(0, 40)}"`
}

/**
 * How far ahead an `exp` may be. Providers issue ID, logout and access tokens for minutes
 * or hours; 400 days leaves room for the longest-lived tokens anyone configures (a year)
 * while refusing dates that only an attack on whatever renders them would send (`exp:
 * 1e308` makes `new Date(exp * 1000)` invalid and `toISOString()` throw).
 */
export const MAX_EXP_DAYS = 400

const DATE_CLAIMS = ['exp', 'iat', 'nbf', 'auth_time'] as const

/**
 * The date checks every verified provider JWT shares (jose checks only that they are
 * numbers, and that `exp` and `nbf` are not passed): each date present is a finite number
 * of seconds, not before 1970; `exp` at most MAX_EXP_DAYS ahead; `iat` and `auth_time` not
 * in the future. Returns what is wrong, or `undefined`.
 */
export function implausibleDate(payload: JWTPayload, now: number, clockTolerance: number): string | undefined {
  for (const claim of DATE_CLAIMS) {
    const value = payload[claim]
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
      return `"${claim}" is not a date (seconds since 1970)`
    }
  }
  const { exp, iat, auth_time: authTime } = payload as { exp?: number; iat?: number; auth_time?: number }
  if (exp !== undefined && exp > now + MAX_EXP_DAYS * 24 * 60 * 60)
    return `"exp" is more than ${MAX_EXP_DAYS} days ahead`
  if (iat !== undefined && iat > now + clockTolerance) return '"iat" is in the future'
  if (authTime !== undefined && authTime > now + clockTolerance) return '"auth_time" is in the future'
  return undefined
}

/** What one type of provider JWT is checked against: the scaffold every verifier shares, per type. */
export interface JwtProfile {
  /** Named in refusals: `The <name> was refused: <reason>.` */
  readonly name: string
  readonly code: 'invalid_id_token' | 'invalid_logout_token' | 'invalid_token'
  /** The `typ` values accepted (as `headerType` compares them), and how a token of another type is refused. */
  readonly types?: { readonly accepted: readonly (string | undefined)[]; readonly refusal: (typ: string) => string }
  /** The provider's JWKS; HS* verify with `clientSecret` when given. */
  readonly jwks: JWTVerifyGetKey
  readonly clientSecret: string | undefined
  readonly issuer: string | readonly string[]
  readonly audience: string | readonly string[]
  readonly algorithms: readonly string[]
  readonly clockTolerance: number
  readonly requiredClaims: readonly string[]
  readonly maxTokenAge?: number
}

/** A refusal of a token of this profile. */
export function refusal(profile: Pick<JwtProfile, 'name' | 'code'>, reason: string, cause?: unknown): OidcError {
  return new OidcError(
    profile.code,
    `The ${profile.name} was refused: ${reason}.`,
    cause === undefined ? {} : { cause },
  )
}

/**
 * The checks every provider JWT gets: its type (when the profile lists types), signature
 * against the provider's keys with `alg` from the allow-list, iss, aud, exp, nbf, the
 * required claims, and plausible dates. Keys that cannot be fetched are the provider's
 * outage (`provider_unavailable`), not a refused token. Each verifier adds its own checks.
 */
export async function verifyProviderJwt(
  token: string,
  profile: JwtProfile,
): Promise<{ payload: JWTPayload; alg: string }> {
  if (profile.types !== undefined) {
    const header = headerType(token)
    if ('problem' in header) throw refusal(profile, header.problem)
    if (!profile.types.accepted.includes(header.typ))
      throw refusal(profile, profile.types.refusal(printableType(header.typ!)))
  }
  let payload: JWTPayload
  let alg: string
  const options: JWTVerifyOptions = {
    issuer: typeof profile.issuer === 'string' ? profile.issuer : [...profile.issuer],
    audience: typeof profile.audience === 'string' ? profile.audience : [...profile.audience],
    algorithms: [...profile.algorithms],
    clockTolerance: profile.clockTolerance,
    requiredClaims: [...profile.requiredClaims],
  }
  if (profile.maxTokenAge !== undefined) options.maxTokenAge = profile.maxTokenAge
  try {
    ;({
      payload,
      protectedHeader: { alg },
    } = await jwtVerify(token, providerKeys(profile.jwks, profile.clientSecret), options))
  } catch (err) {
    if (isKeyServerOutage(err)) throw err
    throw refusal(profile, err instanceof Error ? err.message : 'verification failed', err)
  }
  const badDate = implausibleDate(payload, Math.floor(Date.now() / 1000), profile.clockTolerance)
  if (badDate !== undefined) throw refusal(profile, badDate)
  return { payload, alg }
}
