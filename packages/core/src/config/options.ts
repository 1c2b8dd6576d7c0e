import type { JsonWebKey } from 'node:crypto'
import type { ClientAuthMethod } from './client-credentials.js'
import type { SessionStore } from '../store.js'
import type { OnEvent } from '../events.js'
import type { RenderError } from '../errors.js'
import type { OnRefresh, OnSignIn } from '../hooks.js'

/** Paths of the routes the middleware answers, relative to where it is mounted. */
export interface Routes {
  login: string
  callback: string
  logout: string
  backchannelLogout: string
}

/**
 * `routes`: a path, or `false` to turn the built-in route off (the app answers it itself,
 * with `oidc.login()` / `oidc.logout()`). The callback can be moved but not turned off.
 */
export type RouteOptions = { [K in keyof Routes]?: string | false }

/**
 * Where the middleware's cookies live, for several apps on one host or several `oidc()`
 * instances in one app: each needs its own `prefix` (or its own `path`).
 *
 * @example
 * ```ts
 * import type { CookieOptions } from '@oidc-rp/core'
 *
 * export const cookies: CookieOptions = { prefix: 'shop.', path: '/', sameSite: 'lax' }
 * ```
 */
export interface CookieOptions {
  /** `OIDC_COOKIE_PREFIX`: start of every cookie name (`<prefix>session`, `<prefix>tx.0`...). Default `oidc.`. */
  prefix?: string
  /**
   * `OIDC_COOKIE_PATH`: the cookies' `Path`. Default `/`. On https, cookies with the default
   * path and no domain get the `__Host-` prefix; others the `__Secure-` prefix.
   */
  path?: string
  /** `OIDC_COOKIE_DOMAIN`: the cookies' `Domain`, to share a session with subdomains. Default: none (this host only). */
  domain?: string
  /**
   * `OIDC_COOKIE_SAME_SITE`: `lax` (default), `strict` or `none` (https only) for the session
   * cookie. The login-transaction cookie stays `lax` (it must come back from the provider).
   */
  sameSite?: 'lax' | 'strict' | 'none'
}

export interface SessionOptions {
  /** Where sessions live. Default: an in-process `MemoryStore`. */
  store?: SessionStore
  /**
   * `OIDC_SESSION_STATELESS`: keep sessions in encrypted cookies instead of a store, for
   * deployments with no store. See the README for what this mode cannot do across processes.
   */
  stateless?: boolean
  /** Seconds without a request after which a session ends (like Dex's `validIfNotUsedFor`). Default 1 day. */
  idleTimeout?: number
  /** Seconds after sign-in after which a session ends, used or not (like Dex's `absoluteLifetime`). Default 7 days. */
  absoluteTimeout?: number
}

export interface BearerOptions {
  /** Audiences accepted for JWT access tokens (RFC 9068). None: only ID tokens are accepted. */
  audience?: string | string[]
  /** Accept HS*-signed ID tokens (the client secret is the key). Default `false`. */
  allowHmac?: boolean
  /**
   * `OIDC_BEARER_JWT_ACCESS_TOKENS`: also accept access tokens typed `JWT` or untyped, as
   * Keycloak, Entra ID, Auth0 and Okta issue them, when their `aud` is one of `audience`
   * (and not this client). Checked exactly as `at+jwt` ones. Default `false`.
   */
  jwtAccessTokens?: boolean
}

export interface Logger {
  warn(message: string): void
  error(message: string): void
  /** The `debug` trace (`OIDC_DEBUG`); a logger without it gets the trace as warnings. */
  debug?(message: string): void
}

/** Options of `oidc()`. Every one of them can also come from the environment; an option given here wins. */
export interface OidcOptions {
  /** `OIDC_ISSUER`: the provider's issuer URL, e.g. `https://dex.example.com`. */
  issuer?: string
  /**
   * `OIDC_ALLOWED_TENANTS` (comma-separated): for a multi-tenant issuer such as Entra ID's
   * `https://login.microsoftonline.com/common/v2.0`, the tenant ids whose users may sign in.
   * Tokens of any other tenant are refused.
   */
  allowedTenants?: string[]
  /** `OIDC_CLIENT_ID`. */
  clientId?: string
  /** `OIDC_CLIENT_SECRET`. Omit for a public client (PKCE only). */
  clientSecret?: string
  /**
   * `OIDC_CLIENT_AUTH_METHOD`: `client_secret_basic`, `client_secret_post`,
   * `client_secret_jwt`, `private_key_jwt` or `none`. Default: chosen from the provider's
   * `token_endpoint_auth_methods_supported` and the credentials given.
   */
  clientAuthMethod?: ClientAuthMethod
  /** `OIDC_CLIENT_PRIVATE_KEY`: the private key for `private_key_jwt`, as PEM or JWK (object or JSON). */
  clientPrivateKey?: string | JsonWebKey
  /** `OIDC_BASE_URL`: the app's public URL; the callback is `${baseURL}/callback`. */
  baseURL?: string
  /** `OIDC_SECRET` (comma-separated): signs cookies. The first signs, all verify, so secrets can be rotated. */
  secret?: string | string[]
  /** `OIDC_SCOPE`. Default `openid profile email offline_access`. */
  scope?: string
  /** `OIDC_GROUPS_CLAIM`: dot path of the groups claim, e.g. `realm_access.roles`. Default `groups`. */
  groupsClaim?: string
  /** `OIDC_AUTH_REQUIRED`: every route needs sign-in unless a route is public. Default `true`. */
  authRequired?: boolean
  /** `OIDC_ALLOW_INSECURE_ISSUER`: allow an `http:` issuer that is not on loopback. Default `false`. */
  allowInsecureIssuer?: boolean
  /** `OIDC_CLOCK_TOLERANCE`: seconds of clock skew accepted on token times. Default 15. */
  clockTolerance?: number
  /** `OIDC_HTTP_TIMEOUT`: seconds before a request to the provider is given up. Default 10. */
  httpTimeout?: number
  /** ID token `alg` values to accept, further restricting what the provider advertises. */
  idTokenSigningAlgs?: string[]
  /**
   * `OIDC_AUTHORIZATION_PARAMS` (as a query string, `access_type=offline&prompt=consent`):
   * extra authorization request parameters, e.g. `{ prompt: 'login', max_age: 60 }`.
   * Numbers and booleans are sent as text, objects (`claims`) as JSON.
   */
  authorizationParams?: Record<string, string | number | boolean | object>
  /**
   * Route paths. Defaults `/login`, `/callback`, `/logout`, `/backchannel-logout`; `false`
   * turns a route off, for the app to answer with `oidc.login()` / `oidc.logout()`.
   */
  routes?: RouteOptions
  /**
   * `OIDC_LOGIN_PARAMS` (comma-separated): the authorization parameters a browser may pass
   * through `/login?…` to the provider, e.g. `['login_hint', 'prompt']`. Empty by default;
   * `state`, `nonce`, `code_challenge*`, `redirect_uri`, `scope`, `response_type` and
   * `client_id` can never be listed. Values longer than 256 characters are dropped.
   */
  loginParams?: string[]
  /** Cookie names, path, domain and SameSite (see `CookieOptions`). */
  cookies?: CookieOptions
  /** Where the provider sends the browser after logout (a path of this app). Default `/`. */
  postLogoutRedirect?: string
  /**
   * `OIDC_IDP_LOGOUT`: logout also ends the provider's session. Default `true`; `false`
   * signs out of this app only.
   */
  idpLogout?: boolean
  /**
   * `OIDC_LOGOUT_URL`: the provider's logout URL, for providers that advertise no
   * `end_session_endpoint` (Auth0, Cognito). `{client_id}`, `{post_logout_redirect_uri}`
   * and `{id_token_hint}` are replaced, URL-encoded, e.g.
   * `https://tenant.auth0.com/v2/logout?client_id={client_id}&returnTo={post_logout_redirect_uri}`.
   */
  logoutUrl?: string
  session?: SessionOptions
  /**
   * `Authorization: Bearer <JWT>` for services, off by default: `true` (`OIDC_BEARER=true`)
   * accepts ID tokens issued to this client; `OIDC_BEARER_AUDIENCE` (comma-separated)
   * accepts JWT access tokens (`at+jwt`) for those audiences; `allowHmac` accepts HS* ID
   * tokens signed with the client secret. A token whose provider session (`sid`) or user
   * (`sub`, for a logout by `sub`) was logged out is refused afterwards, in every process
   * that shares the session store.
   */
  bearer?: boolean | BearerOptions
  /** `OIDC_USERINFO`: fetch userinfo at sign-in and refresh and merge its claims into the session. Default `false`. */
  userInfo?: boolean
  /**
   * `OIDC_LOGOUT_TOKEN_WITHOUT_EXP`: accept back-channel logout tokens that carry no `exp`,
   * for providers that follow a draft of Back-Channel Logout 1.0 that did not require it
   * (Glewlwyd). Their age is still bounded by `iat` (5 minutes) and their `jti` is spent
   * once. Default `false`: the final specification requires `exp`.
   */
  logoutTokenWithoutExp?: boolean
  /**
   * Every request to the provider goes through this `fetch(url, init)`. Default: Node's
   * fetch, through the proxy of `HTTPS_PROXY`/`HTTP_PROXY` (with `NO_PROXY`) when set.
   */
  fetch?: (url: string, init: RequestInit) => Promise<Response>
  /** Where warnings go. Default `console`. Tokens and secrets are never logged. */
  logger?: Logger
  /**
   * At every sign-in, after every check and before the session is written: return the
   * claims to keep (mapped, reduced, enriched), `refuse(reason, message)` (403 with the
   * message, never a redirect), or nothing to keep them as they are. Protocol claims
   * (`sub`, `iss`, `aud`, `sid`, `auth_time`, `acr`...) always stay the verified token's.
   */
  onSignIn?: OnSignIn
  /**
   * After every refresh, before the renewed session is saved: the same, with the renewed
   * claims and the previous ones; a refusal ends the session. Without it, a refresh that
   * brings a new ID token replaces the claims with the provider's.
   */
  onRefresh?: OnRefresh
  /** Signed in, sign-in refused, refreshed, refresh failed, signed out, back-channel logout, session ended: for logs and metrics. Never holds a token. */
  onEvent?: OnEvent
  /** `OIDC_DEBUG`: trace each step of a sign-in and a refresh to `logger.debug`, tokens and secrets redacted. Default `false`. */
  debug?: boolean
  /**
   * `OIDC_ERROR_HANDLING`: `builtin` (default) answers 401 and 403 (guards, refused
   * sign-ins, bearer tokens) itself; `framework` sends them, like every other error, to the
   * framework's error handling (Express `next(err)`, Fastify's error handler, Koa's thrown
   * error and `app.on('error')`). A browser that must sign in is still redirected.
   */
  errorHandling?: 'builtin' | 'framework'
  /** Renders the 401 and 403 answers (HTML page or whole response); undefined keeps the built-in one. */
  renderError?: RenderError
}
