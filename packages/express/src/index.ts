import type { NextFunction, Request, RequestHandler, Response } from 'express'
import {
  authorize,
  guards,
  RelyingParty,
  type Guards,
  type HttpRequest,
  type HttpResponse,
  type OidcContext,
  type OidcOptions,
  type Requirement,
} from '@oidc-rp/core'

// What an app uses, from this one package: the list is @oidc-rp/core's app.ts.
export * from '@oidc-rp/core/app'

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The signed-in user, tokens and helpers, set by `oidc()`. */
      oidc: OidcContext
    }
  }
}

function toHttpRequest(req: Request): HttpRequest {
  return {
    method: req.method,
    url: req.url,
    originalUrl: req.originalUrl,
    headers: req.headers,
    body: req.body,
    rawBody: () => req,
  }
}

function send(res: Response, response: HttpResponse): void {
  res.status(response.status)
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value)
  res.end(response.body)
}

/**
 * Signs users in with OpenID Connect: answers `/login`, `/callback` and `/logout`, and
 * puts `req.oidc` on every request. With `authRequired` (the default) every other route
 * needs sign-in. Options not given come from the `OIDC_*` environment variables; a bad or
 * missing option throws here, at start-up.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { oidc, requireGroup } from '@oidc-rp/express'
 *
 * const app = express()
 * app.use(oidc({ authRequired: false })) // the rest from OIDC_ISSUER, OIDC_CLIENT_ID, ...
 * app.get('/me', (req, res) => {
 *   res.json(req.oidc.isAuthenticated() ? req.oidc.user : { signedIn: false })
 * })
 * app.get('/admin', requireGroup('admins'), (_req, res) => {
 *   res.json({ ok: true })
 * })
 * ```
 *
 * @example
 * ```ts
 * import express, { type NextFunction, type Request, type Response } from 'express'
 * import { isOidcError, oidc, refuse, type OidcEvent } from '@oidc-rp/express'
 *
 * const app = express()
 * app.use(
 *   oidc({
 *     // Refuse at sign-in (403 with the message), or return the claims to keep.
 *     onSignIn: ({ claims }) =>
 *       claims.email_verified === false ? refuse('email_unverified', 'Verify your email address first.') : undefined,
 *     onEvent: (event: OidcEvent) => {
 *       if (event.type === 'signInRefused') console.warn(`sign-in refused: ${event.reason} (${event.reference})`)
 *     },
 *     // 401 and 403 go to the error handler below, like every other error.
 *     errorHandling: 'framework',
 *   }),
 * )
 * app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
 *   if (!isOidcError(err)) return next(err)
 *   res.status(err.status).set(err.headers).send(`<h1>${err.status}</h1>`)
 * })
 * ```
 */
export function oidc(options?: OidcOptions): RequestHandler {
  const rp = new RelyingParty(options)
  return (req, res, next) => {
    void rp.handleWith(
      toHttpRequest(req),
      (cookie) => res.append('Set-Cookie', cookie),
      (result) => {
        if (result.context) req.oidc = result.context
        if (result.response) send(res, result.response)
        else next()
      },
      next,
    )
  }
}

function guard(requirement: Requirement): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    try {
      const denial = authorize(req.oidc, toHttpRequest(req), requirement)
      if (denial) send(res, denial)
      else next()
    } catch (err) {
      next(err)
    }
  }
}

/** The guards (documented on `Guards` in @oidc-rp/core), as Express middleware: `app.get('/admin', requireGroup('admins'), handler)`. */
const adapterGuards = guards(guard)
export const requiresAuth: Guards<RequestHandler>['requiresAuth'] = adapterGuards.requiresAuth
export const requireGroup: Guards<RequestHandler>['requireGroup'] = adapterGuards.requireGroup
export const requireAllGroups: Guards<RequestHandler>['requireAllGroups'] = adapterGuards.requireAllGroups
export const requireClaims: Guards<RequestHandler>['requireClaims'] = adapterGuards.requireClaims
export const attemptSilentLogin: Guards<RequestHandler>['attemptSilentLogin'] = adapterGuards.attemptSilentLogin
