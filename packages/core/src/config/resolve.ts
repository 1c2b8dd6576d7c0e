import { OidcError } from '../errors.js'
import { clientCredentials, type ClientCredentials } from './client-credentials.js'
import { logoutUrlProblem } from './logout-url.js'
import { outboundFetch, type Fetch } from '../http/outbound.js'
import { isLoopbackHost } from '../http/types.js'
import { storeProblem, type SessionStore } from '../store.js'
import type { CookieOptions, Logger, OidcOptions, Routes } from './options.js'
import { tracer, type Observer } from '../events.js'
import type { ErrorHandling } from '../errors.js'
import type { OnRefresh, OnSignIn } from '../hooks.js'

/** The checked, frozen configuration the core runs on. */
export interface ResolvedConfig {
  readonly issuer: URL
  readonly clientId: string
  readonly clientSecret: string | undefined
  /** How the client authenticates at the token endpoint (method chosen at discovery when unset). */
  readonly clientAuth: ClientCredentials
  readonly baseURL: URL
  readonly secrets: readonly string[]
  readonly scope: string
  readonly groupsClaim: string
  readonly authRequired: boolean
  readonly clockTolerance: number
  readonly httpTimeout: number
  readonly idTokenSigningAlgs: readonly string[] | undefined
  readonly authorizationParams: Readonly<Record<string, string>>
  readonly routes: Readonly<Routes>
  /** Built-in routes turned off (`routes: { login: false }`): the app answers them. */
  readonly routesOff: readonly (keyof Routes)[]
  /** Authorization parameters a browser may pass through `/login?…`. */
  readonly loginParams: readonly string[]
  /** Cookie prefix, path, domain and the session cookie's SameSite. */
  readonly cookies: Readonly<CookieScope>
  readonly redirectUri: string
  readonly postLogoutRedirectUri: string
  /** Whether logout also ends the provider's session (RP-Initiated Logout or `logoutUrl`). */
  /** Tenant ids whose tokens a multi-tenant provider (Entra ID `common`) may issue. */
  readonly allowedTenants: readonly string[] | undefined
  readonly idpLogout: boolean
  /** The provider's logout URL, with placeholders, for providers that advertise no `end_session_endpoint`. */
  readonly logoutUrl: string | undefined
  readonly secure: boolean
  /** The app's session store; undefined with stateless (cookie) sessions, or for the default (an in-process `MemoryStore`). */
  readonly store: SessionStore | undefined
  readonly stateless: boolean
  readonly bearer: Readonly<{
    enabled: boolean
    audiences: readonly string[]
    allowHmac: boolean
    jwtAccessTokens: boolean
  }>
  readonly userInfo: boolean
  readonly logoutTokenWithoutExp: boolean
  readonly idleTimeout: number
  readonly absoluteTimeout: number
  readonly logger: Logger
  /** Every request to the provider goes through it (a proxy, when the environment names one). */
  readonly fetch: Fetch
  readonly onSignIn: OnSignIn | undefined
  readonly onRefresh: OnRefresh | undefined
  /** Events and the `debug` trace. */
  readonly observer: Observer
  readonly errorHandling: ErrorHandling
  /** `NODE_ENV=production`: error pages give a reference, not what to fix. */
  readonly production: boolean
}

type Env = Record<string, string | undefined>

/** `cookies`, resolved. */
export type CookieScope = Required<Omit<CookieOptions, 'domain'>> & { domain: string | undefined }

/** Characters of a value a browser passes through `/login?…`; longer ones are dropped. */
export const MAX_LOGIN_PARAM = 256

const KNOWN = new Set([
  'issuer',
  'clientId',
  'clientSecret',
  'clientAuthMethod',
  'clientPrivateKey',
  'baseURL',
  'secret',
  'scope',
  'groupsClaim',
  'authRequired',
  'allowInsecureIssuer',
  'clockTolerance',
  'httpTimeout',
  'idTokenSigningAlgs',
  'authorizationParams',
  'routes',
  'postLogoutRedirect',
  'idpLogout',
  'logoutUrl',
  'allowedTenants',
  'session',
  'logger',
  'bearer',
  'userInfo',
  'logoutTokenWithoutExp',
  'fetch',
  'loginParams',
  'cookies',
  'onSignIn',
  'onRefresh',
  'onEvent',
  'debug',
  'errorHandling',
  'renderError',
])
const KNOWN_SESSION = new Set(['store', 'stateless', 'idleTimeout', 'absoluteTimeout'])
const KNOWN_BEARER = new Set(['audience', 'allowHmac', 'jwtAccessTokens'])
const KNOWN_ROUTES = new Set(['login', 'callback', 'logout', 'backchannelLogout'])
const KNOWN_COOKIES = new Set(['prefix', 'path', 'domain', 'sameSite'])
/** Parameters the middleware sets itself; letting options override them would undo its checks. */
const RESERVED_PARAMS = new Set([
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'redirect_uri',
  'client_id',
  'response_type',
  'scope',
])

const DAY = 24 * 60 * 60

function parseBoolean(raw: string | undefined): boolean | undefined | 'invalid' {
  if (raw === undefined || raw === '') return undefined
  if (/^(1|true|yes|on)$/i.test(raw)) return true
  if (/^(0|false|no|off)$/i.test(raw)) return false
  return 'invalid'
}

function parseNumber(raw: string | undefined): number | undefined {
  return raw === undefined || raw === '' ? undefined : Number(raw)
}

function parseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw)
  } catch {
    return undefined
  }
}

/**
 * Merges options with the `OIDC_*` environment variables and checks everything once.
 * Every problem is collected and reported together in one error naming the option and
 * its variable. The caller's object is never modified.
 */
export function resolveConfig(options: OidcOptions = {}, env: Env = process.env): ResolvedConfig {
  const problems: string[] = []
  const problem = (option: string, variable: string | undefined, message: string) =>
    problems.push(`${option}${variable ? ` (${variable})` : ''}: ${message}`)

  if (typeof options !== 'object' || options === null) {
    throw new OidcError('invalid_options', 'oidc-rp: options must be an object.')
  }
  for (const key of Object.keys(options))
    if (!KNOWN.has(key)) problem(key, undefined, 'is not an option of oidc-rp (check the spelling)')
  for (const key of Object.keys(options.session ?? {}))
    if (!KNOWN_SESSION.has(key))
      problem(`session.${key}`, undefined, 'is not a session option (store, stateless, idleTimeout, absoluteTimeout)')
  if (typeof options.bearer === 'object' && options.bearer !== null) {
    for (const key of Object.keys(options.bearer))
      if (!KNOWN_BEARER.has(key)) problem(`bearer.${key}`, undefined, 'is not a bearer option (audience, allowHmac)')
  }
  for (const key of Object.keys(options.routes ?? {}))
    if (!KNOWN_ROUTES.has(key))
      problem(`routes.${key}`, undefined, 'is not a route (login, callback, logout, backchannelLogout)')

  const allowInsecureEnv = parseBoolean(env.OIDC_ALLOW_INSECURE_ISSUER)
  if (allowInsecureEnv === 'invalid')
    problem('allowInsecureIssuer', 'OIDC_ALLOW_INSECURE_ISSUER', 'must be true or false')
  const allowInsecureIssuer = options.allowInsecureIssuer ?? allowInsecureEnv === true

  const issuerRaw = options.issuer ?? env.OIDC_ISSUER
  let issuer: URL | undefined
  if (!issuerRaw)
    problem('issuer', 'OIDC_ISSUER', 'is required: the URL of your OpenID Provider, e.g. https://dex.example.com')
  else {
    issuer = parseUrl(issuerRaw)
    if (!issuer || (issuer.protocol !== 'https:' && issuer.protocol !== 'http:')) {
      problem('issuer', 'OIDC_ISSUER', `must be an https URL (got "${issuerRaw}")`)
      issuer = undefined
    } else if (issuer.protocol === 'http:' && !isLoopbackHost(issuer.hostname) && !allowInsecureIssuer) {
      problem(
        'issuer',
        'OIDC_ISSUER',
        'must use https; http is allowed only on loopback hosts (set allowInsecureIssuer / OIDC_ALLOW_INSECURE_ISSUER=true to override)',
      )
      issuer = undefined
    }
  }

  const clientId = options.clientId ?? env.OIDC_CLIENT_ID
  if (!clientId) problem('clientId', 'OIDC_CLIENT_ID', 'is required: the client ID registered at your provider')
  const clientSecret = options.clientSecret ?? (env.OIDC_CLIENT_SECRET || undefined)
  if (clientSecret !== undefined && (typeof clientSecret !== 'string' || clientSecret === ''))
    problem('clientSecret', 'OIDC_CLIENT_SECRET', 'must be a non-empty string')

  const clientAuth = clientCredentials(
    {
      method: options.clientAuthMethod ?? env.OIDC_CLIENT_AUTH_METHOD,
      privateKey: options.clientPrivateKey ?? (env.OIDC_CLIENT_PRIVATE_KEY || undefined),
      secret: clientSecret,
    },
    (message) => problems.push(message),
  )

  const baseRaw = options.baseURL ?? env.OIDC_BASE_URL
  let baseURL: URL | undefined
  if (!baseRaw)
    problem('baseURL', 'OIDC_BASE_URL', 'is required: the public URL of this app, e.g. https://app.example.com')
  else {
    baseURL = parseUrl(baseRaw)
    if (!baseURL || (baseURL.protocol !== 'https:' && baseURL.protocol !== 'http:') || baseURL.search || baseURL.hash) {
      problem('baseURL', 'OIDC_BASE_URL', `must be an http(s) URL without query or fragment (got "${baseRaw}")`)
      baseURL = undefined
    }
  }

  const secretRaw = options.secret ?? env.OIDC_SECRET
  const secrets = (Array.isArray(secretRaw) ? secretRaw : typeof secretRaw === 'string' ? secretRaw.split(',') : [])
    .map((s) => (typeof s === 'string' ? s.trim() : ''))
    .filter((s) => s !== '')
  if (secrets.length === 0)
    problem(
      'secret',
      'OIDC_SECRET',
      'is required: set it to a random string of at least 32 characters (comma-separate several to rotate)',
    )
  else if (secrets.some((s) => s.length < 32))
    problem(
      'secret',
      'OIDC_SECRET',
      'each secret must be at least 32 characters; generate one with `openssl rand -base64 32`',
    )

  const scope = (options.scope ?? env.OIDC_SCOPE ?? 'openid profile email offline_access').trim().replace(/\s+/g, ' ')
  if (!scope.split(' ').includes('openid')) problem('scope', 'OIDC_SCOPE', `must include "openid" (got "${scope}")`)

  const groupsClaim = options.groupsClaim ?? env.OIDC_GROUPS_CLAIM ?? 'groups'
  if (typeof groupsClaim !== 'string' || groupsClaim.trim() === '')
    problem('groupsClaim', 'OIDC_GROUPS_CLAIM', 'must be a claim name or dot path, e.g. groups or realm_access.roles')

  const authRequiredEnv = parseBoolean(env.OIDC_AUTH_REQUIRED)
  if (authRequiredEnv === 'invalid') problem('authRequired', 'OIDC_AUTH_REQUIRED', 'must be true or false')
  const authRequired = options.authRequired ?? (authRequiredEnv === 'invalid' ? true : (authRequiredEnv ?? true))

  const seconds = (
    option: string,
    variable: string | undefined,
    value: number | undefined,
    fallback: number,
    max: number,
  ) => {
    if (value === undefined) return fallback
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
      problem(option, variable, `must be a number of seconds between 0 and ${max}`)
      return fallback
    }
    return value
  }
  const clockTolerance = seconds(
    'clockTolerance',
    'OIDC_CLOCK_TOLERANCE',
    options.clockTolerance ?? parseNumber(env.OIDC_CLOCK_TOLERANCE),
    15,
    300,
  )
  const httpTimeout = seconds(
    'httpTimeout',
    'OIDC_HTTP_TIMEOUT',
    options.httpTimeout ?? parseNumber(env.OIDC_HTTP_TIMEOUT),
    10,
    120,
  )
  if (httpTimeout === 0) problem('httpTimeout', 'OIDC_HTTP_TIMEOUT', 'must be more than 0')
  const idleTimeout = seconds('session.idleTimeout', undefined, options.session?.idleTimeout, DAY, 400 * DAY)
  const absoluteTimeout = seconds(
    'session.absoluteTimeout',
    undefined,
    options.session?.absoluteTimeout,
    7 * DAY,
    400 * DAY,
  )
  if (idleTimeout === 0 || absoluteTimeout === 0)
    problem('session', undefined, 'idleTimeout and absoluteTimeout must be more than 0')

  const idTokenSigningAlgs = options.idTokenSigningAlgs
  if (
    idTokenSigningAlgs !== undefined &&
    (!Array.isArray(idTokenSigningAlgs) ||
      idTokenSigningAlgs.length === 0 ||
      idTokenSigningAlgs.some((a) => typeof a !== 'string' || a === 'none'))
  ) {
    problem('idTokenSigningAlgs', undefined, 'must be a non-empty list of JWS algorithms, never "none"')
  }

  const authorizationParams: Record<string, string> = {}
  const givenParams =
    options.authorizationParams ?? Object.fromEntries(new URLSearchParams(env.OIDC_AUTHORIZATION_PARAMS ?? ''))
  for (const [key, value] of Object.entries(givenParams)) {
    const name = `authorizationParams.${key}`
    const variable = options.authorizationParams ? undefined : 'OIDC_AUTHORIZATION_PARAMS'
    if (RESERVED_PARAMS.has(key))
      problem(
        name,
        variable,
        'is set by the middleware itself and cannot be overridden (use scope / OIDC_SCOPE for scope)',
      )
    else if (typeof value === 'string') authorizationParams[key] = value
    else if (typeof value === 'number' && Number.isFinite(value)) authorizationParams[key] = String(value)
    else if (typeof value === 'boolean') authorizationParams[key] = String(value)
    // `claims` (OpenID Connect Core §5.5) and other structured values travel as JSON.
    else if (typeof value === 'object' && value !== null) authorizationParams[key] = JSON.stringify(value)
    else problem(name, variable, 'must be a string, a number, a boolean or an object (sent as JSON)')
  }
  if (authorizationParams.max_age !== undefined && !/^\d+$/.test(authorizationParams.max_age))
    problem('authorizationParams.max_age', undefined, 'must be a whole number of seconds')

  if (authorizationParams.response_mode === 'form_post' && baseURL?.protocol === 'http:') {
    problem(
      'authorizationParams.response_mode',
      undefined,
      'form_post needs an https baseURL: the provider posts the response from another site, and only a SameSite=None cookie, which browsers accept only when Secure, comes with it',
    )
  }

  const routes: Routes = {
    login: '/login',
    callback: '/callback',
    logout: '/logout',
    backchannelLogout: '/backchannel-logout',
  }
  const routesOff: (keyof Routes)[] = []
  for (const [name, path] of Object.entries(options.routes ?? {}) as [keyof Routes, string | false | undefined][]) {
    if (path === false && name === 'callback')
      problem(
        'routes.callback',
        undefined,
        'cannot be turned off: it is where the provider sends the browser back, and only the middleware can complete the sign-in there (give it another path instead)',
      )
    else if (path === false) routesOff.push(name)
    else if (path !== undefined && KNOWN_ROUTES.has(name)) routes[name] = path
  }
  for (const [name, path] of Object.entries(routes)) {
    if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//'))
      problem(`routes.${name}`, undefined, 'must be a path starting with /')
  }
  const postLogoutRedirect = options.postLogoutRedirect ?? '/'
  if (
    typeof postLogoutRedirect !== 'string' ||
    !postLogoutRedirect.startsWith('/') ||
    postLogoutRedirect.startsWith('//')
  ) {
    problem('postLogoutRedirect', undefined, 'must be a path of this app starting with /')
  }

  const tenantsRaw =
    options.allowedTenants ??
    (env.OIDC_ALLOWED_TENANTS ? env.OIDC_ALLOWED_TENANTS.split(',').map((t) => t.trim()) : undefined)
  if (
    tenantsRaw !== undefined &&
    (!Array.isArray(tenantsRaw) ||
      tenantsRaw.length === 0 ||
      tenantsRaw.some((t) => typeof t !== 'string' || !/^[\w.-]+$/.test(t)))
  ) {
    problem(
      'allowedTenants',
      'OIDC_ALLOWED_TENANTS',
      'must be a non-empty list of tenant ids (comma-separated), e.g. 72f988bf-86f1-41af-91ab-2d7cd011db47',
    )
  }
  const allowedTenants = tenantsRaw === undefined ? undefined : Object.freeze([...tenantsRaw])

  const idpLogoutEnv = parseBoolean(env.OIDC_IDP_LOGOUT)
  if (idpLogoutEnv === 'invalid') problem('idpLogout', 'OIDC_IDP_LOGOUT', 'must be true or false')
  const idpLogout = options.idpLogout ?? idpLogoutEnv !== false
  if (typeof idpLogout !== 'boolean') problem('idpLogout', 'OIDC_IDP_LOGOUT', 'must be true or false')
  const logoutUrl = options.logoutUrl ?? (env.OIDC_LOGOUT_URL || undefined)
  const logoutUrlIssue =
    typeof logoutUrl === 'string' ? logoutUrlProblem(logoutUrl) : logoutUrl === undefined ? undefined : 'must be a URL'
  if (logoutUrlIssue !== undefined) problem('logoutUrl', 'OIDC_LOGOUT_URL', logoutUrlIssue)
  if (logoutUrl !== undefined && idpLogout === false)
    problem('logoutUrl', 'OIDC_LOGOUT_URL', 'is set, but idpLogout is false: choose one')

  const store = options.session?.store
  const storeIssue = store === undefined ? undefined : storeProblem(store)
  if (storeIssue !== undefined) problem('session.store', undefined, storeIssue)
  const statelessEnv = parseBoolean(env.OIDC_SESSION_STATELESS)
  if (statelessEnv === 'invalid') problem('session.stateless', 'OIDC_SESSION_STATELESS', 'must be true or false')
  const stateless = options.session?.stateless ?? statelessEnv === true
  if (stateless && store !== undefined)
    problem(
      'session.stateless',
      'OIDC_SESSION_STATELESS',
      'cannot be combined with session.store: choose a store or stateless cookie sessions',
    )

  const bearerEnv = parseBoolean(env.OIDC_BEARER)
  if (bearerEnv === 'invalid') problem('bearer', 'OIDC_BEARER', 'must be true or false')
  // Off unless asked for: an ID token travels in logout URLs (id_token_hint) and browser
  // history, so accepting it as a credential is a choice the app makes.
  const bearerOption = options.bearer ?? (bearerEnv === true ? {} : false)
  const bearerAudience =
    (typeof bearerOption === 'object' && bearerOption !== null ? bearerOption.audience : undefined) ??
    env.OIDC_BEARER_AUDIENCE?.split(',')
  const audiences = (
    Array.isArray(bearerAudience) ? bearerAudience : bearerAudience === undefined ? [] : [bearerAudience]
  )
    .map((a) => String(a).trim())
    .filter(Boolean)
  if (bearerOption === false && audiences.length > 0)
    problem(
      'bearer',
      'OIDC_BEARER',
      'bearer tokens are off, but an audience is set (OIDC_BEARER_AUDIENCE): turn them on with bearer: true / OIDC_BEARER=true',
    )
  const jwtAccessTokensEnv = parseBoolean(env.OIDC_BEARER_JWT_ACCESS_TOKENS)
  if (jwtAccessTokensEnv === 'invalid')
    problem('bearer.jwtAccessTokens', 'OIDC_BEARER_JWT_ACCESS_TOKENS', 'must be true or false')
  const jwtAccessTokens =
    (typeof bearerOption === 'object' ? bearerOption.jwtAccessTokens : undefined) ?? jwtAccessTokensEnv === true
  if (jwtAccessTokens && audiences.length === 0)
    problem(
      'bearer.jwtAccessTokens',
      'OIDC_BEARER_JWT_ACCESS_TOKENS',
      'needs the audiences to accept (bearer.audience / OIDC_BEARER_AUDIENCE): the audience is what tells such a token from an ID token',
    )
  const bearer = Object.freeze({
    enabled: bearerOption !== false,
    audiences: Object.freeze(audiences),
    allowHmac: typeof bearerOption === 'object' && bearerOption.allowHmac === true,
    jwtAccessTokens: jwtAccessTokens === true,
  })

  const userInfoEnv = parseBoolean(env.OIDC_USERINFO)
  if (userInfoEnv === 'invalid') problem('userInfo', 'OIDC_USERINFO', 'must be true or false')
  const userInfo = options.userInfo ?? userInfoEnv === true
  const withoutExpEnv = parseBoolean(env.OIDC_LOGOUT_TOKEN_WITHOUT_EXP)
  if (withoutExpEnv === 'invalid')
    problem('logoutTokenWithoutExp', 'OIDC_LOGOUT_TOKEN_WITHOUT_EXP', 'must be true or false')
  const logoutTokenWithoutExp = options.logoutTokenWithoutExp ?? withoutExpEnv === true

  const loginParams = resolveLoginParams(options.loginParams, env.OIDC_LOGIN_PARAMS, problem)
  const cookies = resolveCookies(options.cookies, env, baseURL, problem)

  const logger = options.logger ?? consoleLogger
  if (options.fetch !== undefined && typeof options.fetch !== 'function')
    problem('fetch', undefined, 'must be a function like fetch(url, init)')
  const fetch = outboundFetch(options.fetch, env)

  for (const name of ['onSignIn', 'onRefresh', 'onEvent', 'renderError'] as const)
    if (options[name] !== undefined && typeof options[name] !== 'function')
      problem(name, undefined, 'must be a function')
  const debugEnv = parseBoolean(env.OIDC_DEBUG)
  if (debugEnv === 'invalid') problem('debug', 'OIDC_DEBUG', 'must be true or false')
  const debug = options.debug ?? debugEnv === true
  if (typeof debug !== 'boolean') problem('debug', 'OIDC_DEBUG', 'must be true or false')
  const errorMode = options.errorHandling ?? (env.OIDC_ERROR_HANDLING || 'builtin')
  if (errorMode !== 'builtin' && errorMode !== 'framework')
    problem('errorHandling', 'OIDC_ERROR_HANDLING', 'must be builtin or framework')
  const observer: Observer = Object.freeze({
    onEvent: options.onEvent,
    warnOnFailure: (message: string) => logger.error(message),
    trace:
      debug === true
        ? tracer(logger.debug ? (m) => logger.debug!(m) : (m) => logger.warn(m), [clientSecret, ...secrets])
        : undefined,
  })

  if (problems.length > 0 || !issuer || !clientId || !baseURL) {
    throw new OidcError('invalid_options', `oidc-rp: invalid configuration:\n  - ${problems.join('\n  - ')}`)
  }

  const base = baseURL.href.replace(/\/+$/, '')
  return Object.freeze({
    issuer,
    clientId,
    clientSecret,
    clientAuth,
    baseURL,
    secrets: Object.freeze(secrets),
    scope,
    groupsClaim,
    authRequired,
    clockTolerance,
    httpTimeout,
    idTokenSigningAlgs: idTokenSigningAlgs ? Object.freeze([...idTokenSigningAlgs]) : undefined,
    authorizationParams: Object.freeze(authorizationParams),
    routes: Object.freeze(routes),
    routesOff: Object.freeze(routesOff),
    loginParams,
    cookies,
    redirectUri: base + routes.callback,
    postLogoutRedirectUri: base + postLogoutRedirect,
    allowedTenants,
    idpLogout,
    logoutUrl,
    secure: baseURL.protocol === 'https:',
    store: stateless ? undefined : store,
    stateless,
    bearer,
    userInfo,
    logoutTokenWithoutExp,
    idleTimeout,
    absoluteTimeout,
    logger,
    fetch,
    onSignIn: options.onSignIn,
    onRefresh: options.onRefresh,
    observer,
    errorHandling: Object.freeze({
      mode: errorMode === 'framework' ? 'framework' : 'builtin',
      render: options.renderError,
    }),
    production: env.NODE_ENV === 'production',
  })
}

type Problem = (option: string, variable: string | undefined, message: string) => void

/** `loginParams`: names of authorization parameters, never one the middleware sets itself. */
function resolveLoginParams(given: unknown, raw: string | undefined, problem: Problem): readonly string[] {
  const variable = given === undefined ? 'OIDC_LOGIN_PARAMS' : undefined
  const list = given ?? (raw ? raw.split(',').map((p) => p.trim()) : [])
  if (!Array.isArray(list) || list.some((p) => typeof p !== 'string' || !/^[a-z][a-z0-9_]{0,63}$/i.test(p))) {
    problem('loginParams', variable, 'must be a list of authorization parameter names, e.g. login_hint,prompt')
    return Object.freeze([])
  }
  const names = list as string[]
  for (const name of names) {
    if (RESERVED_PARAMS.has(name) || name.startsWith('code_challenge'))
      problem(
        'loginParams',
        variable,
        `cannot list "${name}": the middleware sets it itself, and a browser that could choose it could undo the protection it gives (state, nonce and PKCE against forged and replayed sign-ins, redirect_uri and scope against a widened grant)`,
      )
  }
  return Object.freeze([...new Set(names)])
}

/** `cookies`: prefix, path and domain that a browser accepts with the names and attributes they produce. */
function resolveCookies(
  given: CookieOptions | undefined,
  env: Env,
  baseURL: URL | undefined,
  problem: Problem,
): Readonly<CookieScope> {
  if (given !== undefined && (typeof given !== 'object' || given === null)) {
    problem('cookies', undefined, 'must be an object: { prefix, path, domain, sameSite }')
    given = {}
  }
  for (const key of Object.keys(given ?? {}))
    if (!KNOWN_COOKIES.has(key))
      problem(`cookies.${key}`, undefined, 'is not a cookie option (prefix, path, domain, sameSite)')
  const prefix = given?.prefix ?? env.OIDC_COOKIE_PREFIX ?? 'oidc.'
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9._-]{1,32}$/.test(prefix) || /^__/.test(prefix))
    problem(
      'cookies.prefix',
      'OIDC_COOKIE_PREFIX',
      'must be 1 to 32 letters, digits, ".", "_" or "-", not starting with "__" (the __Host-/__Secure- prefixes are added on https)',
    )
  const path = given?.path ?? env.OIDC_COOKIE_PATH ?? '/'
  if (typeof path !== 'string' || !/^\/[!-:<-~]*$/.test(path))
    problem('cookies.path', 'OIDC_COOKIE_PATH', 'must be a path starting with /, without ";" or spaces')
  const domain = given?.domain ?? (env.OIDC_COOKIE_DOMAIN || undefined)
  if (domain !== undefined) {
    if (typeof domain !== 'string' || !/^\.?[a-z0-9-]+(\.[a-z0-9-]+)*$/i.test(domain))
      problem('cookies.domain', 'OIDC_COOKIE_DOMAIN', 'must be a host name such as example.com')
    else if (baseURL) {
      const host = baseURL.hostname.toLowerCase()
      const bare = domain.replace(/^\./, '').toLowerCase()
      if (host !== bare && !host.endsWith(`.${bare}`))
        problem(
          'cookies.domain',
          'OIDC_COOKIE_DOMAIN',
          `must be the host of baseURL (${host}) or a parent of it: a browser refuses cookies for another domain`,
        )
    }
  }
  const sameSite = given?.sameSite ?? (env.OIDC_COOKIE_SAME_SITE?.toLowerCase() || 'lax')
  if (sameSite !== 'lax' && sameSite !== 'strict' && sameSite !== 'none')
    problem('cookies.sameSite', 'OIDC_COOKIE_SAME_SITE', 'must be lax, strict or none')
  else if (sameSite === 'none' && baseURL?.protocol !== 'https:')
    problem(
      'cookies.sameSite',
      'OIDC_COOKIE_SAME_SITE',
      'none needs an https baseURL: browsers refuse SameSite=None without Secure',
    )
  return Object.freeze({
    prefix: typeof prefix === 'string' ? prefix : 'oidc.',
    path: typeof path === 'string' ? path : '/',
    domain: typeof domain === 'string' ? domain : undefined,
    sameSite: sameSite === 'strict' || sameSite === 'none' ? sameSite : 'lax',
  })
}

const consoleLogger: Logger = {
  debug: (message) => console.debug(`[oidc-rp] ${message}`),
  warn: (message) => console.warn(`[oidc-rp] ${message}`),
  error: (message) => console.error(`[oidc-rp] ${message}`),
}
