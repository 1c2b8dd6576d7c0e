import * as client from 'openid-client'
import { OidcError } from '../errors.js'
import { readCookies } from '../http/cookies.js'
import { readForm, redirect, type HttpRequest, type HttpResponse, type SetCookie } from '../http/types.js'
import { toOidcError } from '../protocol/errors.js'
import { idTokenChecks, verifyIdToken } from '../protocol/id-token.js'
import { checkResponseIssuer } from '../protocol/transaction.js'
import { withUserInfo } from '../protocol/userinfo.js'
import { now } from '../session/backend.js'
import { signedInSession } from '../session/session-data.js'
import type { RouteDeps } from './deps.js'
import { signedIn, signInClaims } from './sign-in.js'

/** Answers to `prompt=none` that mean "the user must interact": a silent sign-in falls back to signed out. */
const SILENT_FALLBACK = new Set([
  'login_required',
  'interaction_required',
  'consent_required',
  'account_selection_required',
])

/**
 * `GET|POST /callback`: the login transaction is used up, the code exchanged, the ID token
 * verified, and a new session (a new id: no fixation) sent back to `returnTo`.
 */
export async function callback(deps: RouteDeps, request: HttpRequest, setCookie: SetCookie): Promise<HttpResponse> {
  const { config, sessions } = deps
  const params = new URL(request.url, 'http://x').searchParams
  if (request.method === 'POST') for (const [k, v] of await readForm(request)) params.set(k, v)

  // The transaction is consumed before anything else: its cookie is cleared and its
  // state marked used, whatever happens next, so a callback URL works once.
  const cookies = readCookies(request)
  const tx = await deps.transactions.consume(params.get('state'), cookies, setCookie, (key, ttl) =>
    sessions.consumeOnce(key, ttl),
  )

  config.observer.trace?.('sign-in: callback received, login transaction consumed (state checked, one use)')
  const provider = await deps.provider.get()
  checkResponseIssuer(params.get('iss'), provider)
  // A silent sign-in the provider could not complete without the user: back where the
  // browser was, signed out, quietly; the silent cookie set at /login stops another try.
  if (tx.silent && SILENT_FALLBACK.has(params.get('error') ?? '')) return redirect(tx.returnTo)
  const currentUrl = new URL(config.redirectUri)
  currentUrl.search = params.toString()
  const maxAge =
    tx.maxAge ??
    (config.authorizationParams.max_age === undefined ? undefined : Number(config.authorizationParams.max_age))
  let tokens: client.TokenEndpointResponse
  try {
    // openid-client binds the answer to this login: state, the PKCE verifier, an ID token,
    // and its nonce. Every other check of the ID token, max_age included, is
    // verifyIdToken's below (see "Who checks what" in protocol/id-token.ts).
    tokens = await client.authorizationCodeGrant(provider.client, currentUrl, {
      pkceCodeVerifier: tx.codeVerifier,
      expectedState: tx.state,
      expectedNonce: tx.nonce,
      idTokenExpected: true,
    })
  } catch (err) {
    throw toOidcError(err, 'token_exchange_failed', 'completing the sign-in')
  }
  config.observer.trace?.(
    `sign-in: code exchanged at ${provider.metadata.token_endpoint}: token_type ${tokens.token_type}, access token ${tokens.access_token ? 'yes' : 'no'}, refresh token ${tokens.refresh_token ? 'yes' : 'no'}, ID token ${tokens.id_token ? 'yes' : 'no'}, expires_in ${tokens.expires_in ?? 'not given'}`,
  )
  if (!tokens.id_token) throw new OidcError('invalid_id_token', 'The provider returned no ID token.')
  const idClaims = await verifyIdToken(tokens.id_token, {
    ...idTokenChecks(config, provider),
    ...(maxAge === undefined ? {} : { maxAge }),
    ...(tokens.access_token === undefined ? {} : { accessToken: tokens.access_token }),
  })
  config.observer.trace?.(
    `sign-in: ID token verified (iss ${idClaims.iss}, sub ${JSON.stringify(idClaims.sub)}, aud ${JSON.stringify(idClaims.aud)}, exp ${idClaims.exp})`,
  )
  // Step-up: the route that asked stays refused rather than being asked again (no loop).
  if (tx.acr !== undefined && !(typeof idClaims.acr === 'string' && tx.acr.includes(idClaims.acr)))
    throw new OidcError(
      'insufficient_authentication',
      `The provider signed you in${typeof idClaims.acr === 'string' ? ` with "${idClaims.acr.slice(0, 100)}"` : ''}, but this page requires ${tx.acr.join(' or ')}: the sign-in was not accepted.`,
    )
  const claims = await signInClaims(
    config,
    await withUserInfo(config, provider, idClaims, tokens.access_token),
    tokens,
    request,
  )
  const session = signedInSession(tokens.id_token, idClaims, claims, tokens, now())
  await sessions.create(session, cookies, setCookie)
  signedIn(config, session)
  return redirect(tx.returnTo)
}
