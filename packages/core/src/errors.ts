/** OidcError, its code table, and the types of the answers an app may render (`renderError`). */
import type { HttpRequest, HttpResponse } from './http/types.js'
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
  /** The app's `onSignIn` (or `onRefresh`) hook refused the user (`refuse(reason, message)`). */
  | 'sign_in_refused'
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
  sign_in_refused: 403,
  internal: 500,
}

/** Seconds a client should wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 5

export interface OidcErrorOptions {
  cause?: unknown
  headers?: Record<string, string>
  /** A refused sign-in's reference, also in its log line and event. */
  reference?: string
  /** The provider's own OAuth error (`invalid_client`...), when it sent one. */
  providerError?: string
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
  /** A refused sign-in's reference, also in its log line and `signInRefused` event. */
  readonly reference?: string
  /** The provider's own OAuth error (`invalid_client`, `unauthorized_client`, `access_denied`...), when it sent one. */
  readonly providerError?: string

  constructor(code: OidcErrorCode, message: string, options: OidcErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: scrubCause(options.cause) })
    this.code = code
    if (options.reference !== undefined) this.reference = options.reference
    if (options.providerError !== undefined) this.providerError = options.providerError
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

/**
 * A sign-in (or a refresh) the app refuses: 403 with `message` shown to the user (an HTML
 * page or JSON), never a redirect. `reason` is a short code for logs, events and the JSON
 * answer. Made by `refuse()`, returned (or thrown) by `onSignIn` / `onRefresh`.
 */
export class SignInRefused extends OidcError {
  /** The app's reason code, e.g. `email_unverified`. */
  readonly reason: string

  constructor(reason: string, message: string, options: OidcErrorOptions = {}) {
    super('sign_in_refused', message, options)
    this.reason = reason
  }
}

/** The answers the middleware gives itself that an app may render its own way (`renderError`). */
export interface ErrorAnswer {
  /**
   * `unauthenticated` (401, API clients), `step_up` (401 with the RFC 9470 challenge: the
   * route needs a more recent or stronger sign-in), `forbidden` (403, a guard) or
   * `sign_in_refused` (403, a hook).
   */
  readonly code: 'unauthenticated' | 'step_up' | 'forbidden' | 'sign_in_refused'
  readonly status: number
  /** What the user may be told. */
  readonly message: string
  /** The hook's reason code of a refused sign-in. */
  readonly reason?: string
  /** Whether the client asked for HTML (a browser) rather than JSON. */
  readonly html: boolean
  /** Who a guard refused (signed in); undefined for a refused sign-in or bearer token. */
  readonly user: Readonly<Claims> | undefined
  readonly request: Readonly<Pick<HttpRequest, 'method' | 'url' | 'headers'>>
  /** The built-in answer. */
  readonly response: HttpResponse
}

/**
 * `renderError`: the app's page (HTML, sent with the answer's status) or its whole
 * response for a 401/403 the middleware answers; undefined keeps the built-in one.
 *
 * @example
 * ```ts
 * import type { RenderError } from '@oidc-rp/core'
 *
 * export const renderError: RenderError = ({ html, status, message }) =>
 *   html ? `<!doctype html><title>${status}</title><h1>Sorry</h1><p>${message.replace(/</g, '&lt;')}</p>` : undefined
 * ```
 */
export type RenderError = (answer: ErrorAnswer) => string | HttpResponse | undefined

/** How failures are answered (`errorHandling` and `renderError`). */
export interface ErrorHandling {
  /**
   * `builtin`: 401 and 403 (guards, refused sign-ins, bearer tokens) are answered here;
   * `framework`: they go to the framework's error handling too, like every other error.
   */
  readonly mode: 'builtin' | 'framework'
  readonly render: RenderError | undefined
}
