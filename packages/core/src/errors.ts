import { forbiddenPage } from './http/pages.js'
import {
  html,
  isBrowserNavigation,
  json,
  redirect,
  wantsHtml,
  type HttpRequest,
  type HttpResponse,
} from './http/types.js'
import type { Claims } from './identity.js'

/** What a step-up guard asks of the sign-in (see `StepUpOptions`). */
export interface StepUp {
  readonly maxAge: number | undefined
  readonly acr: readonly string[] | undefined
}

/**
 * One error model: every failure the middleware reports is an `OidcError` with a
 * string-literal `code`. The HTTP status for each code is decided here, once, and carried
 * on the error in the shapes the frameworks read (`status` for Express and Koa,
 * `statusCode` for Fastify, `expose` for Koa), so each adapter surfaces it its own way.
 */
export type OidcErrorCode =
  /** A missing or bad option, reported once at start-up. */
  | 'invalid_options'
  /** The middleware is used wrongly at run time (e.g. a guard without `oidc()` before it). */
  | 'misconfigured'
  /** The provider cannot be reached, timed out, or answered 5xx. */
  | 'provider_unavailable'
  /** The session store cannot be reached. */
  | 'store_unavailable'
  /** Another request or process is renewing this session's tokens and did not finish in time. */
  | 'session_busy'
  /** The callback request is not the answer to a login this browser started. */
  | 'invalid_callback'
  /** The login transaction is older than its lifetime. */
  | 'login_expired'
  /** The provider answered the authorization request with an error. */
  | 'provider_error'
  /** The token endpoint refused the code exchange or the refresh. */
  | 'token_exchange_failed'
  /** The ID token is missing or fails validation. */
  | 'invalid_id_token'
  /** A userinfo response that cannot be trusted. */
  | 'invalid_userinfo'
  /** A bearer token that fails validation. */
  | 'invalid_token'
  /** A back-channel logout token that fails validation. */
  | 'invalid_logout_token'
  /** The refresh token was refused (`invalid_grant`): the session is over. */
  | 'session_ended'
  /** A stateless session does not fit in the cookies a browser sends back: use a server-side store. */
  | 'session_too_large'
  /** Sign-in is required. */
  | 'unauthenticated'
  /** Signed in, but not allowed. */
  | 'forbidden'
  /** A step-up sign-in came back without the authentication the route asked for (`acr`). */
  | 'insufficient_authentication'
  /** Anything unexpected. Never shown in detail. */
  | 'internal'

const STATUS: Record<OidcErrorCode, number> = {
  invalid_options: 500,
  misconfigured: 500,
  provider_unavailable: 503,
  store_unavailable: 503,
  session_busy: 503,
  invalid_callback: 400,
  login_expired: 400,
  provider_error: 400,
  token_exchange_failed: 400,
  invalid_id_token: 400,
  invalid_userinfo: 502,
  invalid_token: 401,
  invalid_logout_token: 400,
  session_ended: 401,
  session_too_large: 500,
  unauthenticated: 401,
  forbidden: 403,
  insufficient_authentication: 403,
  internal: 500,
}

/** Seconds a client should wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 5

export interface OidcErrorOptions {
  cause?: unknown
  headers?: Record<string, string>
}

export class OidcError extends Error {
  override readonly name = 'OidcError'
  readonly code: OidcErrorCode
  /** HTTP status (Express, Koa). */
  readonly status: number
  /** HTTP status (Fastify). */
  readonly statusCode: number
  /** Koa shows the message of an exposed error; ours never hold tokens or secrets. */
  readonly expose: boolean
  /** Response headers the frameworks' default error handlers apply (e.g. Retry-After). */
  readonly headers: Record<string, string>

  constructor(code: OidcErrorCode, message: string, options: OidcErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: scrubCause(options.cause) })
    this.code = code
    this.status = STATUS[code]
    this.statusCode = this.status
    this.expose = this.status < 500 || this.status === 503 || code === 'session_too_large'
    this.headers = { ...options.headers }
    if (this.status === 503) this.headers['retry-after'] ??= String(RETRY_AFTER_SECONDS)
    // Default error pages (Express's finalhandler in development) print `stack`. These
    // errors are expected outcomes, not bugs: show the message, never our frames. The
    // original error, with its own stack, stays in `cause` for logs.
    this.stack = `${this.name} [${code}]: ${message}`
  }
}

/** Fields of a lower-level error that a log needs and that never hold a token. */
const KEPT_FIELDS = ['name', 'code', 'status', 'error'] as const

/**
 * A copy of an error chain with only its class, message, stack, `code`, `status` and OAuth
 * `error`. oauth4webapi attaches whole token responses to some errors (`cause: { body }`),
 * jose attaches token payloads: a logger that walks causes (Sentry, util.inspect) must never
 * find live tokens there. Anything that is not an Error is dropped.
 */
export function scrubCause(value: unknown, depth = 0): Error | undefined {
  if (!(value instanceof Error) || depth > 4) return undefined
  const copy = Object.create(Object.getPrototypeOf(value) as object) as Error
  const define = (key: string, field: unknown) =>
    Object.defineProperty(copy, key, { value: field, writable: true, configurable: true, enumerable: false })
  define('message', value.message)
  define('stack', value.stack)
  for (const key of KEPT_FIELDS) {
    const field: unknown = (value as unknown as Record<string, unknown>)[key]
    if (typeof field === 'number' || (typeof field === 'string' && /^[\w .:/-]{1,100}$/.test(field))) define(key, field)
  }
  const cause = scrubCause(value.cause, depth + 1)
  if (cause) define('cause', cause)
  return copy
}

export function isOidcError(value: unknown): value is OidcError {
  return value instanceof OidcError
}

/** Who a guard refused (an `OidcContext` is one). */
export interface Refused {
  readonly user: Claims | undefined
  readonly groups: readonly string[]
  loginUrl(returnTo?: string, stepUp?: StepUp): string
  logoutUrl(): string
  readonly authenticatedBy?: 'session' | 'bearer' | undefined
}

/**
 * A guard's refusal: an ordinary outcome on the request path, so not an exception (no
 * stack to capture), but answered like one, by `errorResponse`.
 */
export class Denial {
  readonly code: 'unauthenticated' | 'forbidden' | 'step_up'
  readonly who: Refused
  /** Forbidden: why, completing "this page …"; step-up: what is required. */
  readonly refusal: string
  /** Step-up: what the guard asks of the sign-in. */
  readonly stepUp: StepUp | undefined

  constructor(code: 'unauthenticated' | 'forbidden' | 'step_up', who: Refused, refusal = '', stepUp?: StepUp) {
    this.code = code
    this.who = who
    this.refusal = refusal
    this.stepUp = stepUp
  }
}

/**
 * The one place failures become the answers the middleware sends itself: a refused bearer
 * token gets 401 with its RFC 6750 challenge; an invalid logout token, 400; not signed in,
 * a browser navigation is sent to sign in and come back and anything else gets 401 with
 * `WWW-Authenticate`; signed in but not allowed, 403 (an HTML page or JSON), never a
 * redirect (which would loop). Undefined for every other failure: it goes on to the
 * framework's error handling, with the status and headers `OidcError` carries.
 */
export function errorResponse(failure: unknown, request: HttpRequest): HttpResponse | undefined {
  if (failure instanceof Denial) {
    const { who } = failure
    if (failure.code === 'unauthenticated') {
      if (isBrowserNavigation(request)) return redirect(who.loginUrl(request.originalUrl ?? request.url))
      return json(
        401,
        { error: 'unauthenticated', message: 'Sign in first, or send a bearer token.' },
        { 'www-authenticate': 'Bearer realm="oidc-rp"' },
      )
    }
    if (failure.code === 'step_up' && failure.stepUp) {
      // RFC 9470: a browser signs in again, asking for what the route needs; anything else
      // (an API client, a bearer token) is told what to get.
      if (who.authenticatedBy === 'session' && isBrowserNavigation(request))
        return redirect(who.loginUrl(request.originalUrl ?? request.url, failure.stepUp))
      return json(
        401,
        {
          error: 'insufficient_user_authentication',
          message: `This resource needs a new sign-in: ${failure.refusal}.`,
        },
        { 'www-authenticate': stepUpChallenge(failure.stepUp, failure.refusal) },
      )
    }
    if (!wantsHtml(request))
      return json(403, { error: 'forbidden', message: `Access denied: this ${failure.refusal}.` })
    const signedInAs = typeof who.user?.name === 'string' ? who.user.name : (who.user?.sub ?? '')
    return html(
      403,
      forbiddenPage({ refusal: failure.refusal, signedInAs, groups: who.groups, logoutUrl: who.logoutUrl() }),
    )
  }
  if (!(failure instanceof OidcError)) return undefined
  if (failure.code === 'invalid_token')
    return json(
      401,
      { error: 'invalid_token', message: failure.message },
      { 'www-authenticate': bearerChallenge(failure) },
    )
  if (failure.code === 'invalid_logout_token')
    return json(400, { error: 'invalid_request', error_description: failure.message })
  return undefined
}

/** RFC 9470 §3: the challenge that tells an API client which authentication the resource needs. */
function stepUpChallenge(stepUp: StepUp, description: string): string {
  let challenge = `Bearer realm="oidc-rp", error="insufficient_user_authentication", error_description="${description.replace(/[^\x20-\x7e]|["\\]/g, '')}"`
  if (stepUp.maxAge !== undefined) challenge += `, max_age=${stepUp.maxAge}`
  if (stepUp.acr !== undefined) challenge += `, acr_values="${stepUp.acr.join(' ').replace(/["\\]/g, '')}"`
  return challenge
}

/** RFC 6750 §3: the challenge for a refused bearer token. */
function bearerChallenge(error: OidcError): string {
  const description = error.message.replace(/[^\x20-\x7e]|["\\]/g, '').slice(0, 200)
  return `Bearer realm="oidc-rp", error="invalid_token", error_description="${description}"`
}
