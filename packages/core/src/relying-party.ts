import { authorize, signedIn } from './authz/guards.js'
import type { OidcOptions } from './config/options.js'
import { resolveConfig, type ResolvedConfig } from './config/resolve.js'
import { OidcContext } from './context.js'
import type { ContextDeps } from './context-types.js'
import { OidcError, type ErrorHandling } from './errors.js'
import { errorResponse, forFramework } from './error-response.js'
import { CookieSigner, cookieName, readCookies, type Cookies } from './http/cookies.js'
import { header, type HttpRequest, type HttpResponse, type SetCookie } from './http/types.js'
import { BearerVerifier, type VerifiedBearer } from './protocol/bearer.js'
import { ProviderDiscovery } from './protocol/provider.js'
import { LoginTransactions } from './protocol/transaction.js'
import { mountedPath, type RouteDeps } from './routes/deps.js'
import { SILENT_COOKIE } from './routes/login.js'
import { routeTable, type MountedRoute, type Route } from './routes/table.js'
import type { SessionBackend } from './session/backend.js'
import { CookieSessions } from './session/cookie-sessions.js'
import { MemoryStore } from './session/memory-store.js'
import { Refresher } from './session/refresh.js'
import { isRevoked, peekRevoked } from './session/revocations.js'
import { StoreSessions } from './session/sessions.js'

/** What `handle()` tells an adapter: the context to put on the request, and/or a response to send instead of the app's. */
export interface HandleResult {
  context?: OidcContext
  response?: HttpResponse
}

/**
 * The framework-neutral relying party. Adapters call `handle()` for every request with a
 * neutral `HttpRequest` and a way to set cookies, then either send `response` or expose
 * `context` and go on to the app. Errors are thrown as `OidcError`.
 */
export class RelyingParty {
  readonly #config: ResolvedConfig
  /** The routes answered by `handle()`: login, callback, logout, back-channel logout. */
  readonly routes: readonly Route[]
  readonly #routes: readonly MountedRoute[]
  readonly #provider: ProviderDiscovery
  readonly #sessions: SessionBackend
  readonly #refresher: Refresher
  readonly #bearer: BearerVerifier
  readonly #context: ContextDeps

  constructor(options?: OidcOptions, env?: Record<string, string | undefined>) {
    const config = (this.#config = resolveConfig(options, env))
    const signer = new CookieSigner(config.secrets)
    this.#provider = new ProviderDiscovery(config)
    this.#sessions = config.stateless
      ? new CookieSessions(config)
      : new StoreSessions(config, config.store ?? new MemoryStore({ logger: config.logger }), signer)
    this.#refresher = new Refresher(config, this.#provider, this.#sessions)
    this.#bearer = new BearerVerifier(config)
    const deps: RouteDeps = {
      config,
      provider: this.#provider,
      sessions: this.#sessions,
      transactions: new LoginTransactions(config, signer),
    }
    const { routes } = config
    this.#routes = routeTable(deps, signer)
    this.routes = this.#routes.map(({ path, methods }) => Object.freeze({ path, methods: Object.freeze([...methods]) }))
    this.#context = {
      config,
      provider: this.#provider,
      refresher: this.#refresher,
      loginPath: mountedPath(config, routes.login),
      logoutPath: mountedPath(config, routes.logout),
      sessions: this.#sessions,
      transactions: deps.transactions,
      signer,
      silentCookie: cookieName(SILENT_COOKIE, config.secure, config.cookies),
    }
  }

  /**
   * Answers at once, without a promise, when all the request needs is in this process's
   * memory — a bearer token verified before, no session cookie, or a session the store
   * holds here that needs neither a refresh nor a touch — and with a promise otherwise.
   */
  handle(request: HttpRequest, setCookie: SetCookie): HandleResult | Promise<HandleResult> {
    const path = pathOf(request.url)
    for (const route of this.#routes) {
      if (path === route.path && route.methods.includes(request.method))
        return route
          .answer(request, setCookie)
          .then(respond, (err: unknown) => failed(err, request, this.#config.errorHandling))
    }

    const bearer = this.#config.bearer.enabled ? bearerToken(request) : undefined
    if (bearer !== undefined) {
      const cached = this.#bearer.cached(bearer)
      if (cached && peekRevoked(this.#sessions, cached, this.#config.clockTolerance) === false)
        return this.#bearerContext(cached, request, setCookie)
      return this.#verifyBearer(bearer).then(
        (verified) => this.#bearerContext(verified, request, setCookie),
        (err: unknown) => failed(err, request, this.#config.errorHandling),
      )
    }
    const cookies = readCookies(request)
    const ref = this.#sessions.peek(cookies)
    if (ref === null) return this.#guard(new OidcContext(this.#context, undefined, request, setCookie), request)
    const data = ref ? this.#refresher.peekFresh(ref) : undefined
    if (ref && data)
      return this.#guard(
        new OidcContext(this.#context, { via: 'session', session: ref, setCookie }, request, setCookie),
        request,
      )
    return this.#authenticate(cookies, request, setCookie).then(
      (context) => this.#guard(context, request),
      (err: unknown) => failed(err, request, this.#config.errorHandling),
    )
  }

  /**
   * `handle()` for callback-style middleware: `done` gets the result at once when it is in
   * memory, else once it is ready; `fail` gets any error, thrown or rejected. Answers what
   * they answer (at once, or as a promise).
   */
  handleWith<T>(
    request: HttpRequest,
    setCookie: SetCookie,
    done: (result: HandleResult) => T,
    fail: (err: unknown) => T,
  ): T | Promise<T> {
    let result: HandleResult | Promise<HandleResult>
    try {
      result = this.handle(request, setCookie)
    } catch (err) {
      return fail(err)
    }
    return result instanceof Promise ? result.then(done, fail) : done(result)
  }

  async #verifyBearer(token: string): Promise<VerifiedBearer> {
    const verified = this.#bearer.cached(token) ?? (await this.#bearer.verify(token, await this.#provider.get()))
    if (await isRevoked(this.#sessions, verified, this.#config.clockTolerance)) {
      this.#bearer.forget(token)
      throw new OidcError(
        'invalid_token',
        'The bearer token was refused: the session it was issued for has been logged out.',
      )
    }
    return verified
  }

  #bearerContext(identity: VerifiedBearer, request: HttpRequest, setCookie: SetCookie): HandleResult {
    return { context: new OidcContext(this.#context, { via: 'bearer', identity }, request, setCookie) }
  }

  /** With `authRequired`, a request not signed in gets the sign-in redirect or a 401 instead of the app. */
  #guard(context: OidcContext, request: HttpRequest): HandleResult {
    const response = this.#config.authRequired ? authorize(context, request, signedIn) : undefined
    return response ? { context, response } : { context }
  }

  /** The request's session context (refreshed if its tokens are about to expire), or signed out. */
  async #authenticate(cookies: Cookies, request: HttpRequest, setCookie: SetCookie): Promise<OidcContext> {
    const ref = await this.#sessions.load(cookies, setCookie)
    if (!ref) return new OidcContext(this.#context, undefined, request, setCookie)
    const data = await this.#refresher.ensureFresh(ref, setCookie)
    return new OidcContext(
      this.#context,
      data ? { via: 'session', session: ref, setCookie } : undefined,
      request,
      setCookie,
    )
  }
}

const respond = (response: HttpResponse): HandleResult => ({ response })

/** Every failure of `handle()` ends here: the answer the middleware sends itself, or rethrown for the framework. */
function failed(err: unknown, request: HttpRequest, handling: ErrorHandling): HandleResult {
  const response = errorResponse(err, request, handling)
  if (response === undefined) throw forFramework(err)
  return { response }
}

function pathOf(url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

/** The credentials of `Authorization: Bearer ...`, whatever they look like (a malformed token is refused, not ignored). */
function bearerToken(request: HttpRequest): string | undefined {
  const value = header(request, 'authorization')
  return value !== undefined && /^bearer\s/i.test(value) ? value.slice(7).trim() : undefined
}
