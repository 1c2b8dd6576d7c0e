/** The `bearer` options: whether bearer tokens are accepted, and which. */
import type { OidcOptions } from './options.js'
import { parseBoolean, type Env, type Problem } from './parse.js'
import type { ResolvedConfig } from './resolved.js'

export function resolveBearer(options: OidcOptions, env: Env, problem: Problem): ResolvedConfig['bearer'] {
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
  return Object.freeze({
    enabled: bearerOption !== false,
    audiences: Object.freeze(audiences),
    allowHmac: typeof bearerOption === 'object' && bearerOption.allowHmac === true,
    jwtAccessTokens: jwtAccessTokens === true,
  })
}
