/** The errors a refresh ends in: the session ended, or the provider backing off (503 with Retry-After). */
import { OidcError } from '../errors.js'

export function isOidc(err: unknown, code: OidcError['code']): boolean {
  return err instanceof OidcError && err.code === code
}

export function ended(): OidcError {
  return new OidcError('session_ended', 'The session has ended: sign in again.')
}

/** 503 while backing off, with the seconds left as Retry-After. */
export function backingOff(ms: number): OidcError {
  return new OidcError('provider_unavailable', 'The provider failed to renew sessions just now; try again shortly.', {
    headers: { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))) },
  })
}
