/** The options of the authorization request and the ID token: `idTokenSigningAlgs`, `authorizationParams`. */
import { RESERVED_PARAMS } from './known-options.js'
import type { OidcOptions } from './options.js'
import type { Env, Problem } from './parse.js'

export function resolveAuthorization(
  options: OidcOptions,
  env: Env,
  baseURL: URL | undefined,
  problem: Problem,
): { idTokenSigningAlgs: OidcOptions['idTokenSigningAlgs']; authorizationParams: Record<string, string> } {
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
  return { idTokenSigningAlgs, authorizationParams }
}
