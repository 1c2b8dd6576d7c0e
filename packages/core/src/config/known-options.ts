/** The option names oidc-rp knows, and the authorization parameters it sets itself. */
import type { OidcOptions } from './options.js'
import type { Problem } from './parse.js'

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
export const KNOWN_ROUTES = new Set(['login', 'callback', 'logout', 'backchannelLogout'])
export const KNOWN_COOKIES = new Set(['prefix', 'path', 'domain', 'sameSite'])
/** Parameters the middleware sets itself; letting options override them would undo its checks. */
export const RESERVED_PARAMS = new Set([
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'redirect_uri',
  'client_id',
  'response_type',
  'scope',
])

/** Every option name not known, at the top level and in `session`, `bearer` and `routes` (a misspelling). */
export function checkOptionNames(options: OidcOptions, problem: Problem): void {
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
}
