import * as client from 'openid-client'
import { errors as joseErrors } from 'jose'
import * as oauth from 'oauth4webapi'
import { OidcError, type OidcErrorCode } from '../errors.js'

/** An OAuth error code as a provider may send it, reduced to characters safe anywhere. */
export function safeErrorCode(value: unknown): string {
  return typeof value === 'string' ? value.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 64) || 'unknown' : 'unknown'
}

/**
 * Whether a token-endpoint error refuses the grant itself, so that sending the same grant
 * again can never work: `invalid_grant` (RFC 6749 §5.2), or a 400 that carries no OAuth
 * error at all (Glewlwyd answers a spent or revoked refresh token with a bare 400). Other
 * OAuth errors (`invalid_client`, `slow_down`, ...) and 5xx say nothing about the grant.
 */
export function refusesGrant(err: unknown): boolean {
  if (err instanceof client.ResponseBodyError) return err.error === 'invalid_grant'
  return httpStatusOf(err) === 400 && !isNetworkError(err)
}

function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const record = err as { status?: unknown; cause?: unknown }
  if (typeof record.status === 'number') return record.status
  const cause = record.cause as { status?: unknown } | undefined
  return typeof cause?.status === 'number' ? cause.status : undefined
}

/** openid-client's own codes, which it does not export as constants. */
const OPENID_CLIENT_TIMEOUT = 'OAUTH_TIMEOUT'
const OPENID_CLIENT_CODES: readonly string[] = [OPENID_CLIENT_TIMEOUT, 'OAUTH_ABORT', 'OAUTH_DECRYPTION_FAILED']

/** The checks of the ID token openid-client makes (claims, dates, the JWT it expects). */
const ID_TOKEN_CODES: ReadonlySet<string> = new Set([
  oauth.JWT_CLAIM_COMPARISON,
  oauth.JWT_TIMESTAMP_CHECK,
  oauth.JWT_USERINFO_EXPECTED,
])

/** Every code of openid-client and oauth4webapi errors: the provider's answer was refused, or our request could not be made. */
const OAUTH_CODES: ReadonlySet<string> = new Set([
  ...ID_TOKEN_CODES,
  ...OPENID_CLIENT_CODES,
  oauth.AUTHORIZATION_RESPONSE_ERROR,
  oauth.RESPONSE_BODY_ERROR,
  oauth.WWW_AUTHENTICATE_CHALLENGE,
  oauth.UNSUPPORTED_OPERATION,
  oauth.PARSE_ERROR,
  oauth.INVALID_RESPONSE,
  oauth.INVALID_REQUEST,
  oauth.RESPONSE_IS_NOT_JSON,
  oauth.RESPONSE_IS_NOT_CONFORM,
  oauth.HTTP_REQUEST_FORBIDDEN,
  oauth.REQUEST_PROTOCOL_FORBIDDEN,
  oauth.JSON_ATTRIBUTE_COMPARISON,
  oauth.KEY_SELECTION,
  oauth.MISSING_SERVER_METADATA,
  oauth.INVALID_SERVER_METADATA,
])

/** fetch() failures: refused connection, DNS, reset socket, timeouts and aborts. */
export function isNetworkError(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  if (err.name === 'AbortError' || err.name === 'TimeoutError') return true
  if (err instanceof TypeError && err.message === 'fetch failed') return true
  const code = (err as { code?: unknown }).code
  return (
    code === OPENID_CLIENT_TIMEOUT ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'UND_ERR_SOCKET' ||
    (err.cause !== undefined && isNetworkError(err.cause))
  )
}

/**
 * Maps every lower-level error (openid-client, oauth4webapi, jose, fetch) into an
 * `OidcError`. `fallback` names what was being done, for errors that are the provider's
 * answer rather than its absence. Messages of these libraries name the check that failed
 * and never carry token values; a provider's own `error_description` is never copied.
 */
export function toOidcError(err: unknown, fallback: OidcErrorCode, doing: string): OidcError {
  if (err instanceof OidcError) return err
  const status = httpStatusOf(err)
  if (isNetworkError(err) || (status !== undefined && status >= 500)) {
    return new OidcError(
      'provider_unavailable',
      `The OpenID Provider could not be reached while ${doing}; try again shortly.`,
      { cause: err },
    )
  }
  if (err instanceof client.AuthorizationResponseError) {
    return new OidcError(
      'provider_error',
      `The OpenID Provider refused the sign-in (error: ${safeErrorCode(err.error)}).`,
      { cause: err, providerError: safeErrorCode(err.error) },
    )
  }
  if (err instanceof client.ResponseBodyError) {
    return new OidcError(fallback, `The OpenID Provider refused ${doing} (error: ${safeErrorCode(err.error)}).`, {
      cause: err,
      providerError: safeErrorCode(err.error),
    })
  }
  if (err instanceof client.WWWAuthenticateChallengeError) {
    // RFC 6749 §5.2: a token endpoint answers failed client authentication with 401 and a
    // challenge (often without an `error` parameter): that is invalid_client.
    const param = err.cause.find((challenge) => challenge.parameters.error !== undefined)?.parameters.error
    const code = param !== undefined ? safeErrorCode(param) : err.status === 401 ? 'invalid_client' : undefined
    if (code !== undefined)
      return new OidcError(fallback, `The OpenID Provider refused ${doing} (error: ${code}).`, {
        cause: err,
        providerError: code,
      })
  }
  if (err instanceof joseErrors.JOSEError) {
    return new OidcError(fallback, `Token validation failed while ${doing}: ${err.message}.`, { cause: err })
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    if (typeof code === 'string' && OAUTH_CODES.has(code)) {
      return new OidcError(
        ID_TOKEN_CODES.has(code) ? 'invalid_id_token' : fallback,
        `Failed while ${doing}: ${err.message}.`,
        { cause: err },
      )
    }
  }
  return new OidcError('internal', `Unexpected failure while ${doing}.`, { cause: err })
}

/**
 * For calls whose every failure is the provider's trouble, not the user's (discovery, a
 * refresh grant): the error as `toOidcError` maps it, for the log, and as the
 * `provider_unavailable` (503) it is answered with, its message after `prefix`.
 */
export function providerFailure(err: unknown, doing: string, prefix: string): { mapped: OidcError; error: OidcError } {
  const mapped = toOidcError(err, 'provider_unavailable', doing)
  return {
    mapped,
    error:
      mapped.code === 'provider_unavailable'
        ? mapped
        : new OidcError('provider_unavailable', `${prefix}: ${mapped.message}`, { cause: err }),
  }
}
