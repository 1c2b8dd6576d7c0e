/**
 * What the contract suite needs from an adapter. A new adapter (Fastify, Koa) needs only a
 * driver in ./drivers/ and a line in ./drivers.ts; every contract test then runs against it.
 */
import type {
  BearerOptions,
  ClientAuthMethod,
  CookieOptions,
  Logger,
  OnEvent,
  OnRefresh,
  OnSignIn,
  RenderError,
  RouteOptions,
  SessionStore,
} from '@oidc-rp/core'

/** The oidc() options of every adapter, minus baseURL (the driver knows its own port). */
export interface AppOptions {
  issuer: string
  clientId: string
  clientSecret: string
  clientAuthMethod?: ClientAuthMethod
  clientPrivateKey?: string
  /** At least 32 characters; an array rotates secrets (first signs, all verify). */
  secret: string | string[]
  authRequired?: boolean
  scope?: string
  groupsClaim?: string
  allowInsecureIssuer?: boolean
  /** Seconds. */
  clockTolerance?: number
  /** Seconds. */
  httpTimeout?: number
  session?: { idleTimeout?: number; absoluteTimeout?: number; stateless?: boolean; store?: SessionStore }
  bearer?: boolean | BearerOptions
  userInfo?: boolean
  logoutTokenWithoutExp?: boolean
  allowedTenants?: string[]
  fetch?: (url: string, init: RequestInit) => Promise<Response>
  idpLogout?: boolean
  logoutUrl?: string
  postLogoutRedirect?: string
  authorizationParams?: Record<string, string | number | boolean | object>
  loginParams?: string[]
  routes?: RouteOptions
  cookies?: CookieOptions
  logger?: Logger
  onSignIn?: OnSignIn
  onRefresh?: OnRefresh
  onEvent?: OnEvent
  debug?: boolean
  errorHandling?: 'builtin' | 'framework'
  renderError?: RenderError
}

/** A second oidc() instance in the same app, mounted at `mount` (e.g. `/b`), with GET `${mount}/me` behind its requiresAuth(). */
export interface SecondInstance {
  mount: string
  options: AppOptions
}

/** What the contract app adds around oidc(), beyond its options. */
export interface AppExtras {
  /**
   * An error handler of the app's own (Express error middleware, Fastify's
   * setErrorHandler, a Koa try/catch middleware that also emits `app.on('error')`): it
   * answers `{ handledBy: 'app', code, status, message }` with the error's status.
   */
  errorHandler?: boolean
  /** Koa: the errors `app.on('error')` hears. */
  onAppError?: (err: unknown) => void
  /** A second oidc() instance in the same app. */
  second?: SecondInstance
}

export interface RunningApp {
  /** http://127.0.0.1:<port>, no trailing slash. */
  url: string
  close(): Promise<void>
}

/**
 * Starts the contract app on 127.0.0.1:0 with the adapter's oidc() and these routes:
 * GET / (public, 200), GET /me (requiresAuth, JSON of the user's claims),
 * GET /admin (requireGroup('admins'), JSON { ok: true }), GET /claims-admin
 * (requireClaims((c) => c.isAdmin === true), JSON { ok: true }), POST /refresh (forces a refresh,
 * answers the new ID token expiry and groups), GET /userinfo (the provider's userinfo), plus
 * GET /recent (requiresAuth({ maxAge: 60 }), JSON { ok, auth_time }), GET /strong (requiresAuth({ acr:
 * 'urn:example:mfa' }), JSON { ok, acr }), GET /admin-recent (requireGroup('admins', { maxAge: 60 })),
 * GET /silent (attemptSilentLogin(), JSON { authenticated }), GET /own-login (the app's own login:
 * oidc.login() with returnTo from the query and prompt=login), POST /own-logout (oidc.logout() with
 * returnTo from the query and idpLogout=false), plus the routes oidc() mounts.
 * The app adds no error handler of its own: the framework's default one is part of the test.
 */
export interface Driver {
  name: string
  start(options: AppOptions, extras?: AppExtras): Promise<RunningApp>
}

/** The body of the contract app's own error handler (`AppExtras.errorHandler`). */
export function appErrorBody(err: unknown): { status: number; body: Record<string, unknown> } {
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    status?: unknown
    code?: unknown
    message?: unknown
  }
  const status = typeof e.status === 'number' ? e.status : 500
  return { status, body: { handledBy: 'app', code: e.code, status, message: e.message } }
}
