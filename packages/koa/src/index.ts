import type { Context, Middleware, Next } from 'koa'
import {
  authorize,
  guards,
  RelyingParty,
  type Guards,
  type HandleResult,
  type HttpRequest,
  type HttpResponse,
  type OidcContext,
  type OidcOptions,
  type Requirement,
} from '@oidc-rp/core'

// What an app uses, from this one package: the list is @oidc-rp/core's app.ts.
export * from '@oidc-rp/core/app'

declare module 'koa' {
  interface DefaultState {
    /** The signed-in user, tokens and helpers, set by `oidc()`. */
    oidc: OidcContext
  }
}

function toHttpRequest(ctx: Context): HttpRequest {
  return {
    method: ctx.method,
    url: ctx.url,
    originalUrl: ctx.originalUrl,
    headers: ctx.headers,
    // Set by a body parser such as @koa/bodyparser, when one runs before oidc().
    body: (ctx.request as { body?: unknown }).body,
    rawBody: () => ctx.req,
  }
}

function send(ctx: Context, response: HttpResponse): void {
  ctx.status = response.status
  ctx.set(response.headers)
  ctx.body = response.body ?? ''
}

/**
 * Signs users in with OpenID Connect: answers `/login`, `/callback` and `/logout`, and
 * sets `ctx.state.oidc` on every request. With `authRequired` (the default) every other
 * route needs sign-in. Errors are thrown with `status`, Koa's way.
 *
 * @example
 * ```ts
 * import Koa from 'koa'
 * import Router from '@koa/router'
 * import { oidc, requireGroup } from '@oidc-rp/koa'
 *
 * const app = new Koa()
 * const router = new Router()
 * app.use(oidc({ authRequired: false })) // the rest from OIDC_* variables
 * router.get('/admin', requireGroup('admins'), (ctx) => {
 *   ctx.body = { ok: true, sub: ctx.state.oidc.user?.sub }
 * })
 * app.use(router.routes())
 * ```
 *
 * @example
 * ```ts
 * import Koa from 'koa'
 * import { oidc, refuse, type RenderError } from '@oidc-rp/koa'
 *
 * // The refused sign-in's page (and the 403 of the guards) in the app's own style.
 * const renderError: RenderError = ({ html, status, message }) =>
 *   html ? `<h1>${status}</h1><p>${message.replace(/</g, '&lt;')}</p>` : undefined
 *
 * const app = new Koa()
 * app.on('error', (err: unknown) => console.error(err)) // every error oidc() throws reaches it
 * app.use(
 *   oidc({
 *     onSignIn: ({ claims }) =>
 *       claims.email_verified === false ? refuse('email_unverified', 'Verify your email address first.') : undefined,
 *     renderError,
 *     debug: process.env.NODE_ENV !== 'production',
 *   }),
 * )
 * ```
 */
export function oidc(options?: OidcOptions): Middleware {
  const rp = new RelyingParty(options)
  // Not async: most requests are answered from memory, without a promise of ours.
  return function oidcMiddleware(ctx, next) {
    return rp.handleWith(
      toHttpRequest(ctx),
      (cookie) => ctx.append('Set-Cookie', cookie),
      (result) => proceed(ctx, next, result),
      reject,
    )
  }
}

function proceed(ctx: Context, next: Next, result: HandleResult): Promise<void> {
  if (result.context) ctx.state.oidc = result.context
  if (!result.response) return next()
  send(ctx, result.response)
  return Promise.resolve()
}

// eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the core's failure, passed on unchanged to Koa
const reject = (err: unknown): Promise<never> => Promise.reject(err)

/** Not async: the check is synchronous, and an async wrapper costs a promise per request. */
function guard(requirement: Requirement): Middleware {
  return function oidcGuard(ctx: Context, next: Next) {
    const denial = authorize(ctx.state.oidc, toHttpRequest(ctx), requirement)
    if (!denial) return next()
    send(ctx, denial)
    return Promise.resolve()
  }
}

/** The guards (documented on `Guards` in @oidc-rp/core), as Koa and @koa/router middleware: `router.get('/admin', requireGroup('admins'), handler)`. */
const adapterGuards = guards(guard)
export const requiresAuth: Guards<Middleware>['requiresAuth'] = adapterGuards.requiresAuth
export const requireGroup: Guards<Middleware>['requireGroup'] = adapterGuards.requireGroup
export const requireAllGroups: Guards<Middleware>['requireAllGroups'] = adapterGuards.requireAllGroups
export const requireClaims: Guards<Middleware>['requireClaims'] = adapterGuards.requireClaims
export const attemptSilentLogin: Guards<Middleware>['attemptSilentLogin'] = adapterGuards.attemptSilentLogin
