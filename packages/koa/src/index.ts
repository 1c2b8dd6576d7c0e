import type { Context, Middleware, Next } from 'koa'
import {
  allGroups, anyGroup, authorize, claimsMatch, OidcContext, RelyingParty, signedIn,
  type Claims, type HandleResult, type HttpRequest, type HttpResponse, type OidcOptions, type Requirement,
} from '@oidc-rp/core'

export * from '@oidc-rp/core'

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
 */
export function oidc(options?: OidcOptions): Middleware {
  const rp = new RelyingParty(options)
  const proceed = (ctx: Context, next: Next, result: HandleResult) => {
    if (result.context) ctx.state.oidc = result.context
    if (!result.response) return next()
    send(ctx, result.response)
    return Promise.resolve()
  }
  // Not async: most requests are answered from memory, without a promise of ours.
  return function oidcMiddleware(ctx, next) {
    try {
      const result = rp.handle(toHttpRequest(ctx), (cookie) => ctx.append('Set-Cookie', cookie))
      return result instanceof Promise ? result.then((r) => proceed(ctx, next, r)) : proceed(ctx, next, result)
    } catch (err) {
      return Promise.reject(err)
    }
  }
}

/** Not async: the check is synchronous, and an async wrapper costs a promise per request. */
function guard(requirement: Requirement): Middleware {
  return function oidcGuard(ctx: Context, next: Next) {
    const denial = authorize(ctx.state.oidc, toHttpRequest(ctx), requirement)
    if (!denial) return next()
    send(ctx, denial)
    return Promise.resolve()
  }
}

/** Signed in (session or bearer token). Works as @koa/router route middleware. */
export const requiresAuth = (): Middleware => guard(signedIn)
/** Signed in and a member of any one of `groups`. */
export const requireGroup = (...groups: string[]): Middleware => guard(anyGroup(...groups))
/** Signed in and a member of every one of `groups`. */
export const requireAllGroups = (...groups: string[]): Middleware => guard(allGroups(...groups))
/** Signed in and `predicate(claims)` holds. */
export const requireClaims = (predicate: (claims: Claims) => boolean): Middleware => guard(claimsMatch(predicate))
