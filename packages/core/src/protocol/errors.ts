import * as client from 'openid-client'
import { errors as joseErrors } from 'jose'
import { OidcError, type OidcErrorCode } from '../errors.js'

/** An OAuth error code as a provider may send it, reduced to characters safe anywhere. */
export function safeErrorCode(value: unknown): string {
  return typeof value === 'string' ? value.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 64) || 'unknown' : 'unknown'
}

function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const record = err as { status?: unknown; cause?: unknown }
  if (typeof record.status === 'number') return record.status
  const cause = record.cause as { status?: unknown } | undefined
  return typeof cause?.status === 'number' ? cause.status : undefined
}

/** fetch() failures: refused connection, DNS, reset socket, timeouts and aborts. */
export function isNetworkError(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  if (err.name === 'AbortError' || err.name === 'TimeoutError') return true
  if (err instanceof TypeError && err.message === 'fetch failed') return true
  const code = (err as { code?: unknown }).code
  return code === 'OAUTH_TIMEOUT' || code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET'
    || (err.cause !== undefined && isNetworkError(err.cause))
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
    return new OidcError('provider_unavailable', `The OpenID Provider could not be reached while ${doing}; try again shortly.`, { cause: err })
  }
  if (err instanceof client.AuthorizationResponseError) {
    return new OidcError('provider_error', `The OpenID Provider refused the sign-in (error: ${safeErrorCode(err.error)}).`, { cause: err })
  }
  if (err instanceof client.ResponseBodyError) {
    return new OidcError(fallback, `The OpenID Provider refused ${doing} (error: ${safeErrorCode(err.error)}).`, { cause: err })
  }
  if (err instanceof joseErrors.JOSEError) {
    return new OidcError(fallback, `Token validation failed while ${doing}: ${err.message}.`, { cause: err })
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    if (typeof code === 'string' && code.startsWith('OAUTH_')) {
      const idToken = /JWT|CLAIM|ID_TOKEN/.test(code)
      return new OidcError(idToken ? 'invalid_id_token' : fallback, `Failed while ${doing}: ${err.message}.`, { cause: err })
    }
  }
  return new OidcError('internal', `Unexpected failure while ${doing}.`, { cause: err })
}
