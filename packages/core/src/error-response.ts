/** The one function from error to HTTP answer: guard denials, refused sign-ins and bearer tokens answered here, or passed on to the framework. */
import { forbiddenPage, refusedPage } from './http/pages.js'
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
import {
  OidcError,
  SignInRefused,
  type ErrorAnswer,
  type ErrorHandling,
  type RenderError,
  type StepUp,
} from './errors.js'

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

  /** As an error, for the framework's error handling (`errorHandling: 'framework'`). */
  toError(): OidcError {
    if (this.code === 'step_up' && this.stepUp !== undefined) {
      return new OidcError('unauthenticated', `This resource needs a new sign-in: ${this.refusal}.`, {
        headers: { 'www-authenticate': stepUpChallenge(this.stepUp, this.refusal) },
      })
    }
    return this.code === 'unauthenticated'
      ? new OidcError('unauthenticated', UNAUTHENTICATED, { headers: { 'www-authenticate': 'Bearer realm="oidc-rp"' } })
      : new OidcError('forbidden', `Access denied: this ${this.refusal}.`)
  }
}

const UNAUTHENTICATED = 'Sign in first, or send a bearer token.'

/**
 * The one place failures become the answers the middleware sends itself: a refused bearer
 * token gets 401 with its RFC 6750 challenge; an invalid logout token, 400; not signed in,
 * a browser navigation is sent to sign in and come back and anything else gets 401 with
 * `WWW-Authenticate`; signed in but not allowed, 403 (an HTML page or JSON), never a
 * redirect (which would loop). Undefined for every other failure: it goes on to the
 * framework's error handling, with the status and headers `OidcError` carries.
 */
export function errorResponse(
  failure: unknown,
  request: HttpRequest,
  handling: ErrorHandling = BUILTIN,
): HttpResponse | undefined {
  if (handling.mode === 'framework' && !answeredHere(failure, request)) return undefined
  if (handling.render !== undefined) return rendered(failure, request, handling.render)
  if (failure instanceof SignInRefused) {
    if (!wantsHtml(request))
      return json(403, { error: 'sign_in_refused', reason: failure.reason, message: failure.message })
    return html(403, refusedPage({ message: failure.message }))
  }
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

const BUILTIN: ErrorHandling = { mode: 'builtin', render: undefined }

/** What is answered here even with `errorHandling: 'framework'`: the sign-in redirect, and the provider's back-channel answer. */
function answeredHere(failure: unknown, request: HttpRequest): boolean {
  if (failure instanceof Denial) return failure.code === 'unauthenticated' && isBrowserNavigation(request)
  return failure instanceof OidcError && failure.code === 'invalid_logout_token'
}

/** The built-in answer, through the app's `renderError`. */
function rendered(failure: unknown, request: HttpRequest, render: RenderError): HttpResponse | undefined {
  const response = errorResponse(failure, request)
  if (response === undefined || (response.status !== 401 && response.status !== 403)) return response
  const answer = describeAnswer(failure, request, response)
  if (answer === undefined) return response
  const own = render(answer)
  if (own === undefined) return response
  if (typeof own === 'string') return html(response.status, own, pick(response.headers, 'www-authenticate'))
  return { status: own.status, headers: { ...own.headers }, ...(own.body === undefined ? {} : { body: own.body }) }
}

function describeAnswer(failure: unknown, request: HttpRequest, response: HttpResponse): ErrorAnswer | undefined {
  const base = {
    status: response.status,
    html: wantsHtml(request),
    request: { method: request.method, url: request.url, headers: request.headers },
    response,
  }
  if (failure instanceof SignInRefused)
    return { ...base, code: 'sign_in_refused', message: failure.message, reason: failure.reason, user: undefined }
  if (failure instanceof Denial)
    return {
      ...base,
      code: failure.code,
      message:
        failure.code === 'unauthenticated'
          ? UNAUTHENTICATED
          : failure.code === 'step_up'
            ? `This resource needs a new sign-in: ${failure.refusal}.`
            : `Access denied: this ${failure.refusal}.`,
      user: failure.who.user,
    }
  if (failure instanceof OidcError && failure.code === 'invalid_token')
    return { ...base, code: 'unauthenticated', message: failure.message, user: undefined }
  return undefined
}

function pick(headers: HttpResponse['headers'], name: string): Record<string, string | string[]> {
  const value = headers[name]
  return value === undefined ? {} : { [name]: value }
}

/**
 * A failure on its way to the framework's error handling: a guard's denial as the
 * `OidcError` it stands for, a refused bearer token with its RFC 6750 challenge.
 */
export function forFramework(failure: unknown): unknown {
  if (failure instanceof Denial) return failure.toError()
  if (
    failure instanceof OidcError &&
    failure.code === 'invalid_token' &&
    failure.headers['www-authenticate'] === undefined
  )
    failure.headers['www-authenticate'] = bearerChallenge(failure)
  return failure
}
