import { OidcError, type StepUp } from '../errors.js'

/**
 * Step-up options of a guard: how recent the sign-in must be, and how strong. A session that
 * does not meet them sends a browser through the provider again (with `max_age` and
 * `acr_values`) and gets an API client a 401 with the RFC 9470 challenge.
 *
 * @example
 * ```ts
 * import type { StepUpOptions } from '@oidc-rp/core'
 *
 * // Signed in within the last 5 minutes, with a second factor.
 * export const sensitive: StepUpOptions = { maxAge: 300, acr: ['urn:example:mfa'] }
 * ```
 */
export interface StepUpOptions {
  /** Seconds since the user last authenticated at the provider (`auth_time`), at most. */
  maxAge?: number
  /** Authentication context classes (`acr`) accepted; the first is the one asked for first. */
  acr?: string | string[]
}

/** Step-up options, checked. */
export type { StepUp }

/** Checked once, where the guard is made: a mistake fails at start-up, never per request. */
export function stepUpOf(guard: string, options: StepUpOptions | undefined): StepUp | undefined {
  if (options === undefined) return undefined
  const { maxAge, acr } = options
  if (typeof options !== 'object' || options === null)
    throw new OidcError('invalid_options', `${guard}(): options must be an object, e.g. { maxAge: 300 }`)
  for (const key of Object.keys(options))
    if (key !== 'maxAge' && key !== 'acr')
      throw new OidcError('invalid_options', `${guard}(): "${key}" is not an option (maxAge, acr)`)
  if (maxAge !== undefined && (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge < 0))
    throw new OidcError('invalid_options', `${guard}(): maxAge must be a whole number of seconds, e.g. { maxAge: 300 }`)
  const list = acr === undefined ? undefined : Array.isArray(acr) ? acr : [acr]
  if (
    list !== undefined &&
    (list.length === 0 || list.some((a) => typeof a !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(a)))
  )
    throw new OidcError(
      'invalid_options',
      `${guard}(): acr must be one or more authentication context class values, e.g. { acr: ['urn:example:mfa'] }`,
    )
  if (maxAge === undefined && list === undefined) return undefined
  return Object.freeze({ maxAge, acr: list === undefined ? undefined : Object.freeze([...list]) })
}

/**
 * Why the user's claims do not meet `stepUp`, or undefined. The same test, with the same
 * clock tolerance, as the callback applies to the ID token that comes back, so a sign-in the
 * callback accepted always passes the guard it came back to: no loop.
 */
export function stepUpShortfall(
  signIn: { readonly authTime: number | undefined; readonly acr: string | undefined },
  stepUp: StepUp,
  now: number,
  tolerance: number,
): string | undefined {
  if (stepUp.maxAge !== undefined) {
    const { authTime } = signIn
    if (typeof authTime !== 'number') return 'the time of the sign-in is unknown'
    if (authTime + stepUp.maxAge + tolerance < now)
      return `a sign-in within the last ${stepUp.maxAge} seconds is required`
  }
  if (stepUp.acr !== undefined && !(signIn.acr !== undefined && stepUp.acr.includes(signIn.acr)))
    return `a stronger sign-in is required (${stepUp.acr.join(' or ')})`
  return undefined
}
