/** `resolveConfig()`: options merged with the `OIDC_*` variables, checked once, every problem reported at once. */
import { OidcError } from '../errors.js'
import { outboundFetch } from '../http/outbound.js'
import { isLoopbackHost } from '../http/types.js'
import { clientCredentials } from './client-credentials.js'
import { checkOptionNames } from './known-options.js'
import { logoutUrlProblem } from './logout-url.js'
import type { OidcOptions } from './options.js'
import { parseBoolean, parseNumber, parseUrl, type Env } from './parse.js'
import { consoleLogger, resolveCookies, resolveHandlers, resolveLoginParams, resolveRoutes } from './resolve-app.js'
import { resolveAuthorization } from './resolve-authorization.js'
import { resolveBearer } from './resolve-bearer.js'
import { resolveSessionStore } from './resolve-session.js'
import type { ResolvedConfig } from './resolved.js'

export type { CookieScope, ResolvedConfig } from './resolved.js'

/** Characters of a value a browser passes through `/login?…`; longer ones are dropped. */
export const MAX_LOGIN_PARAM = 256

const DAY = 24 * 60 * 60

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
  checkOptionNames(options, problem)

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

  const { idTokenSigningAlgs, authorizationParams } = resolveAuthorization(options, env, baseURL, problem)

  const { routes, routesOff, postLogoutRedirect } = resolveRoutes(options, problem)

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

  const { store, stateless } = resolveSessionStore(options, env, problem)

  const bearer = resolveBearer(options, env, problem)

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

  const { observer, errorHandling } = resolveHandlers(options, env, logger, [clientSecret, ...secrets], problem)

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
    errorHandling,
    production: env.NODE_ENV === 'production',
  })
}
