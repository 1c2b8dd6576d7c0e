import * as client from 'openid-client'
import { readCookies } from '../http/cookies.js'
import { redirect, type HttpRequest, type HttpResponse, type SetCookie } from '../http/types.js'
import { safeReturnTo } from '../protocol/return-to.js'
import { newTransaction } from '../protocol/transaction.js'
import type { RouteDeps } from './deps.js'

/** `GET /login?returnTo=`: a new login transaction (PKCE S256, state, nonce) in its cookie, and the redirect to the provider. */
export async function login(
  deps: Pick<RouteDeps, 'config' | 'provider' | 'transactions'>,
  request: HttpRequest,
  setCookie: SetCookie,
): Promise<HttpResponse> {
  const { config } = deps
  const provider = await deps.provider.get()
  const query = new URL(request.url, 'http://x').searchParams
  const tx = newTransaction(safeReturnTo(query.get('returnTo'), config.baseURL))
  const url = client.buildAuthorizationUrl(provider.client, {
    ...config.authorizationParams,
    redirect_uri: config.redirectUri,
    response_type: 'code',
    scope: provider.scope,
    state: tx.state,
    nonce: tx.nonce,
    code_challenge: await client.calculatePKCECodeChallenge(tx.codeVerifier),
    code_challenge_method: 'S256',
  })
  config.observer.trace?.(
    `sign-in: to ${provider.metadata.authorization_endpoint} with scope "${provider.scope}", PKCE S256, a new state and nonce`,
  )
  deps.transactions.start(tx, readCookies(request), setCookie)
  return redirect(url.href)
}
