/**
 * The app's part of a sign-in, and its debug story: the `onSignIn` hook, the `signedIn`
 * event, and for a refused sign-in one warning line, one event and an error that tells a
 * developer what to fix (a production page gives only the reference, found in the log).
 */
import { randomBytes } from 'node:crypto'
import type * as client from 'openid-client'
import type { ResolvedConfig } from '../config/resolve.js'
import { OidcError, SignInRefused, type OidcErrorCode } from '../errors.js'
import { emit, who } from '../events.js'
import { HookTokens, keptClaims } from '../hooks.js'
import type { HttpRequest } from '../http/types.js'
import type { Claims } from '../identity.js'
import type { SessionData } from '../store.js'

type Config = Pick<ResolvedConfig, 'onSignIn' | 'observer' | 'logger' | 'production' | 'redirectUri'>

/** The claims to keep: `onSignIn`'s answer (protected claims restored), or `claims` when there is no hook. */
export async function signInClaims(
  config: Config,
  claims: Claims,
  tokens: client.TokenEndpointResponse,
  request: HttpRequest,
): Promise<Claims> {
  const hook = config.onSignIn
  if (hook === undefined) return claims
  let result: unknown
  try {
    result = await hook({
      claims: Object.freeze({ ...claims }),
      tokens: new HookTokens({
        accessToken: tokens.access_token,
        idToken: tokens.id_token,
        refreshToken: tokens.refresh_token,
        tokenType: tokens.token_type,
        expiresIn: tokens.expires_in,
        scope: tokens.scope,
      }),
      request: Object.freeze({ method: request.method, url: request.url, headers: request.headers }),
    })
  } catch (err) {
    if (err instanceof OidcError) throw err
    throw new OidcError('internal', 'The sign-in could not be completed: the onSignIn hook failed.', { cause: err })
  }
  if (result instanceof SignInRefused) throw result
  const kept = keptClaims('onSignIn', claims, result)
  if (kept.changed.length > 0)
    config.logger.warn(
      `onSignIn tried to change ${kept.changed.join(', ')}: protocol claims always stay the verified ID token's, the changes were ignored`,
    )
  config.observer.trace?.(`sign-in: onSignIn kept ${Object.keys(kept.claims).length} claims`)
  return kept.claims
}

/** After the session is written. */
export function signedIn(config: Config, session: SessionData): void {
  config.observer.trace?.(`sign-in: session written for sub ${JSON.stringify(session.sub)}`)
  emit(config.observer, { type: 'signedIn', ...who(session) })
}

/** Failures whose message a user can act on, shown in production too. */
const USER_FACING: ReadonlySet<OidcErrorCode> = new Set([
  'login_expired',
  'invalid_callback',
  'provider_unavailable',
  'session_busy',
  'store_unavailable',
  'sign_in_refused',
])

/**
 * A refused sign-in, told once: a warning with the reason code, the provider's own error
 * and a reference; the `signInRefused` event; and the error to answer with (same code and
 * status), whose message tells a developer what to fix, or in production (for what only
 * the operator can fix) just the reference.
 */
export function signInFailed(config: Config, err: unknown): never {
  const failure =
    err instanceof OidcError ? err : new OidcError('internal', 'The sign-in could not be completed.', { cause: err })
  const reference = randomBytes(4).toString('hex')
  const reason = failure instanceof SignInRefused ? failure.reason : failure.code
  const { providerError } = failure
  const hint = failure instanceof SignInRefused ? undefined : hintFor(failure, config)
  config.logger.warn(
    `sign-in refused [${reason}${providerError === undefined ? '' : `, provider error ${providerError}`}] ref ${reference}: ${failure.message}${hint === undefined ? '' : ` To fix: ${hint}.`}${causeOf(failure)}`,
  )
  emit(config.observer, {
    type: 'signInRefused',
    reason,
    reference,
    ...(providerError === undefined ? {} : { providerError }),
  })
  const options = {
    cause: failure,
    headers: failure.headers,
    reference,
    ...(providerError === undefined ? {} : { providerError }),
  }
  if (failure instanceof SignInRefused) throw new SignInRefused(failure.reason, failure.message, options)
  const message =
    config.production && !USER_FACING.has(failure.code)
      ? `The sign-in could not be completed. Reference: ${reference}.`
      : `${failure.message}${hint === undefined ? '' : ` To fix: ${hint}.`} (reference ${reference})`
  throw new OidcError(failure.code, message, options)
}

/** What a developer should check, by the provider's error, else by our code. */
function hintFor(failure: OidcError, config: Pick<ResolvedConfig, 'redirectUri'>): string | undefined {
  switch (failure.providerError) {
    case 'invalid_client':
      return 'the provider refused the client credentials: check OIDC_CLIENT_SECRET (and OIDC_CLIENT_ID, OIDC_CLIENT_AUTH_METHOD)'
    case 'unauthorized_client':
      return "the provider does not allow this client the authorization code flow: check the client's registration (grant and response types) and OIDC_CLIENT_ID"
    case 'invalid_grant':
      return `the provider refused the authorization code: it was used already or expired, or the redirect URI is not the one it was issued for (this app uses ${config.redirectUri}: check OIDC_BASE_URL)`
    case 'invalid_request':
      return `the provider refused the request: check that ${config.redirectUri} is a registered redirect URI of the client (OIDC_BASE_URL) and OIDC_AUTHORIZATION_PARAMS`
    case 'invalid_scope':
      return 'the provider refused the scope: check OIDC_SCOPE against the scopes it allows this client'
    case 'access_denied':
      return 'the user, or a policy of the provider, declined the sign-in'
    case 'unsupported_response_type':
      return "the provider does not allow this client the code response type: check the client's registration"
  }
  switch (failure.code) {
    case 'invalid_id_token':
      return 'the ID token failed a check: compare OIDC_ISSUER with its iss, OIDC_CLIENT_ID with its aud, and the clocks (OIDC_CLOCK_TOLERANCE)'
    case 'provider_unavailable':
      return 'the provider could not be reached or answered with an error: check OIDC_ISSUER, the network, and a proxy (HTTPS_PROXY)'
    case 'invalid_callback':
      return `the callback does not answer a sign-in this browser started: cookies blocked, a host name other than OIDC_BASE_URL's, or a callback URL used twice`
    case 'login_expired':
      return 'start the sign-in again'
    case 'invalid_userinfo':
      return "check the provider's userinfo endpoint, or turn off OIDC_USERINFO"
    case 'store_unavailable':
      return 'the session store cannot be reached: check it (REDIS_URL...)'
    default:
      return undefined
  }
}

/** The lower-level error's message, for the log only (never a token: see `scrubCause`). */
function causeOf(failure: OidcError): string {
  const cause = failure.cause
  return cause instanceof Error &&
    !(cause instanceof OidcError) &&
    cause.message &&
    !failure.message.includes(cause.message)
    ? ` (${cause.message})`
    : ''
}
