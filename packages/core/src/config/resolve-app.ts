/** The options of the app's side: routes, `loginParams`, `cookies`, hooks, events and error handling. */
import type { ErrorHandling } from '../errors.js'
import { tracer, type Observer } from '../events.js'
import { KNOWN_COOKIES, KNOWN_ROUTES, RESERVED_PARAMS } from './known-options.js'
import type { CookieOptions, Logger, OidcOptions, Routes } from './options.js'
import { parseBoolean, type Env, type Problem } from './parse.js'
import type { CookieScope } from './resolved.js'

/** `routes` (paths, or `false` for the app to answer), and `postLogoutRedirect`. */
export function resolveRoutes(
  options: OidcOptions,
  problem: Problem,
): { routes: Routes; routesOff: (keyof Routes)[]; postLogoutRedirect: string } {
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
  return { routes, routesOff, postLogoutRedirect }
}

/** `loginParams`: names of authorization parameters, never one the middleware sets itself. */
export function resolveLoginParams(given: unknown, raw: string | undefined, problem: Problem): readonly string[] {
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
export function resolveCookies(
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

/** The hooks, `onEvent` and `debug` (the observer), and `errorHandling` with `renderError`. */
export function resolveHandlers(
  options: OidcOptions,
  env: Env,
  logger: Logger,
  redacted: (string | undefined)[],
  problem: Problem,
): { observer: Observer; errorHandling: ErrorHandling } {
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
      debug === true ? tracer(logger.debug ? (m) => logger.debug!(m) : (m) => logger.warn(m), redacted) : undefined,
  })
  const errorHandling: ErrorHandling = Object.freeze({
    mode: errorMode === 'framework' ? 'framework' : 'builtin',
    render: options.renderError,
  })
  return { observer, errorHandling }
}

export const consoleLogger: Logger = {
  debug: (message) => console.debug(`[oidc-rp] ${message}`),
  warn: (message) => console.warn(`[oidc-rp] ${message}`),
  error: (message) => console.error(`[oidc-rp] ${message}`),
}
