import fp from 'fastify-plugin'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify'
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

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user, tokens and helpers, set by the oidc plugin. */
    oidc: OidcContext
  }
  interface FastifyContextConfig {
    /** @internal Marks the routes the oidc plugin answers itself. */
    oidcRoute?: boolean
  }
}

function toHttpRequest(request: FastifyRequest, prefix = ''): HttpRequest {
  return {
    method: request.method,
    // Relative to where the plugin is registered (`{ prefix: '/b' }`), as the relying party's routes are.
    url: prefix !== '' && request.url.startsWith(prefix) ? request.url.slice(prefix.length) || '/' : request.url,
    originalUrl: request.originalUrl,
    headers: request.headers,
    body: request.body,
    rawBody: () => request.raw,
  }
}

function send(reply: FastifyReply, response: HttpResponse): FastifyReply {
  return reply
    .code(response.status)
    .headers(response.headers)
    .send(response.body ?? '')
}

/** Options Fastify's register() itself understands; they are not ours to check. */
const REGISTER_OPTIONS = new Set(['prefix', 'logLevel', 'logSerializers'])

const plugin: FastifyPluginAsync<OidcOptions> = async (fastify, registerOptions) => {
  const options = Object.fromEntries(
    Object.entries(registerOptions).filter(([key]) => !REGISTER_OPTIONS.has(key)),
  ) as OidcOptions
  const rp = new RelyingParty(options)
  const { prefix } = fastify
  const setCookie = (reply: FastifyReply) => (cookie: string) => void reply.header('set-cookie', cookie)

  // A second instance (another prefix, another provider) shares the decoration of the first.
  if (!fastify.hasRequestDecorator('oidc')) fastify.decorateRequest('oidc', null as unknown as OidcContext)

  // The callback (form_post) and back-channel logout are form POSTs.
  if (!fastify.hasContentTypeParser('application/x-www-form-urlencoded')) {
    fastify.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 64 * 1024 },
      (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)))
      },
    )
  }

  const answer = async (request: FastifyRequest, reply: FastifyReply) => {
    const { response } = await rp.handle(toHttpRequest(request, prefix), setCookie(reply))
    return send(reply, response ?? { status: 404, headers: {} })
  }
  // The relying party's own routes, as its table lists them (Fastify adds HEAD to each GET route itself).
  const config = { oidcRoute: true }
  for (const route of rp.routes) {
    fastify.route({
      method: route.methods.filter((method) => method !== 'HEAD'),
      url: route.path,
      config,
      handler: answer,
    })
  }

  // Callback style rather than async: it runs on every request, and Fastify wraps an async
  // hook's promise in one more.
  fastify.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.config?.oidcRoute) return done()
    // Most requests are answered from memory: `done` is then called at once.
    void rp.handleWith(
      toHttpRequest(request, prefix),
      setCookie(reply),
      (result) => {
        if (result.context) request.oidc = result.context
        if (result.response) send(reply, result.response)
        else done()
      },
      (err) => done(err as Error),
    )
  })
}

/**
 * The Fastify plugin: `await app.register(oidc, options?)`. Registers `/login`,
 * `/callback` and `/logout`, and sets `request.oidc` on every request. Options not given
 * come from the `OIDC_*` environment variables; a bad option fails registration.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { oidc, requireGroup } from '@oidc-rp/fastify'
 *
 * const app = Fastify()
 * await app.register(oidc, { authRequired: false }) // the rest from OIDC_* variables
 * app.get('/me', async (request) => request.oidc.user ?? { signedIn: false })
 * app.get('/admin', { preHandler: requireGroup('admins') }, async () => ({ ok: true }))
 * ```
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { isOidcError, oidc, refuse, type OnSignIn } from '@oidc-rp/fastify'
 *
 * const onSignIn: OnSignIn = ({ claims }) =>
 *   claims.email_verified === false ? refuse('email_unverified', 'Verify your email address first.') : undefined
 *
 * const app = Fastify()
 * // 401 and 403 go to Fastify's error handler, like every other error (set it before registering).
 * app.setErrorHandler((err, _request, reply) => {
 *   if (!isOidcError(err)) throw err
 *   return reply.code(err.statusCode).headers(err.headers).send({ error: err.code, message: err.message })
 * })
 * await app.register(oidc, { onSignIn, errorHandling: 'framework', onEvent: (event) => app.log.info({ oidc: event }) })
 * ```
 */
export const oidc = fp(plugin, { name: '@oidc-rp/fastify', fastify: '5.x' })
export default oidc

/** A synchronous check, so a callback-style hook: no promise per request. */
function guard(requirement: Requirement): preHandlerHookHandler {
  return function oidcGuard(request, reply, done) {
    let denial: HttpResponse | undefined
    try {
      denial = authorize(request.oidc ?? undefined, toHttpRequest(request), requirement)
    } catch (err) {
      return done(err as Error)
    }
    if (denial) send(reply, denial)
    else done()
  }
}

/** The guards (documented on `Guards` in @oidc-rp/core), as preHandler hooks: `app.get('/admin', { preHandler: requireGroup('admins') }, handler)`. */
const adapterGuards = guards(guard)
export const requiresAuth: Guards<preHandlerHookHandler>['requiresAuth'] = adapterGuards.requiresAuth
export const requireGroup: Guards<preHandlerHookHandler>['requireGroup'] = adapterGuards.requireGroup
export const requireAllGroups: Guards<preHandlerHookHandler>['requireAllGroups'] = adapterGuards.requireAllGroups
export const requireClaims: Guards<preHandlerHookHandler>['requireClaims'] = adapterGuards.requireClaims
export const attemptSilentLogin: Guards<preHandlerHookHandler>['attemptSilentLogin'] = adapterGuards.attemptSilentLogin
