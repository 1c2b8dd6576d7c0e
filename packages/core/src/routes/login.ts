import * as client from 'openid-client'
import { decodeAsked } from '../protocol/transaction.js'
import { RESERVED_PARAMS } from '../config/known-options.js'
import { MAX_LOGIN_PARAM } from '../config/resolve.js'
import { OidcError } from '../errors.js'
import { cookieName, readCookies, serializeCookie, type CookieSigner, type Cookies } from '../http/cookies.js'
import { redirect, type HttpRequest, type HttpResponse, type SetCookie } from '../http/types.js'
import { safeReturnTo } from '../protocol/return-to.js'
import { newTransaction, type Asked } from '../protocol/transaction.js'
import type { RouteDeps } from './deps.js'

/** Name, under the cookie prefix, of the cookie that says a silent sign-in was tried in this browser session. */
export const SILENT_COOKIE = 'silent'

/** Query parameter of `/login` with what a guard asks of the sign-in (signed: see `encodeAsked`). */
export const ASKED_PARAM = 'authn'

export interface StartLogin {
  /** A path of this app, checked (same origin) here. */
  returnTo: unknown
  /** Sent to the provider, over the configured `authorizationParams`. */
  params?: Readonly<Record<string, string>>
  asked?: Asked
}

/**
 * A new login transaction (PKCE S256, state, nonce) in its cookie, and the URL of the
 * provider's authorization endpoint to send the browser to.
 */
export async function startLogin(
  deps: Pick<RouteDeps, 'config' | 'provider' | 'transactions'>,
  cookies: Cookies,
  setCookie: SetCookie,
  start: StartLogin,
): Promise<string> {
  const { config } = deps
  const provider = await deps.provider.get()
  const params: Record<string, string> = { ...config.authorizationParams, ...start.params }
  const asked: Asked = { ...start.asked }
  if (asked.maxAge !== undefined) params.max_age = String(asked.maxAge)
  if (asked.acr !== undefined) params.acr_values = asked.acr.join(' ')
  if (asked.silent) params.prompt = 'none'
  // `max_age` from any source makes `auth_time` required and checked (OpenID Connect Core 3.1.2.1).
  if (asked.maxAge === undefined && params.max_age !== undefined) {
    if (!/^\d{1,9}$/.test(params.max_age))
      throw new OidcError('misconfigured', 'max_age must be a whole number of seconds.')
    asked.maxAge = Number(params.max_age)
  }
  const tx = newTransaction(safeReturnTo(start.returnTo, config.baseURL), asked)
  const url = client.buildAuthorizationUrl(provider.client, {
    ...params,
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
  deps.transactions.start(tx, cookies, setCookie)
  return url.href
}

/** Parameters an app passes to `login()`, checked: never one the middleware sets itself. */
export function codeParams(given: unknown): Record<string, string> {
  if (given === undefined) return {}
  if (typeof given !== 'object' || given === null)
    throw new OidcError('misconfigured', 'login(): authorizationParams must be an object, e.g. { prompt: "login" }')
  const params: Record<string, string> = {}
  for (const [key, value] of Object.entries(given)) {
    if (RESERVED_PARAMS.has(key))
      throw new OidcError('misconfigured', `login(): "${key}" is set by the middleware itself and cannot be passed.`)
    if (typeof value === 'string') params[key] = value
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean')
      params[key] = String(value)
    else if (value !== undefined)
      throw new OidcError('misconfigured', `login(): authorizationParams.${key} must be a string, number or boolean.`)
  }
  return params
}

/**
 * `GET /login?returnTo=`: the redirect to the provider, with the parameters the app lets a
 * browser pass (`loginParams`) and what a guard asked for (signed), nothing else.
 */
export async function login(
  deps: Pick<RouteDeps, 'config' | 'provider' | 'transactions'> & { signer: CookieSigner },
  request: HttpRequest,
  setCookie: SetCookie,
): Promise<HttpResponse> {
  const { config } = deps
  const query = new URL(request.url, 'http://x').searchParams
  const params: Record<string, string> = {}
  for (const name of config.loginParams) {
    const value = query.get(name)
    if (value !== null && value.length <= MAX_LOGIN_PARAM) params[name] = value
  }
  const asked = decodeAsked(deps.signer, query.get(ASKED_PARAM))
  // Tried once per browser session: the cookie is set whatever the outcome.
  if (asked?.silent)
    setCookie(
      serializeCookie(cookieName(SILENT_COOKIE, config.secure, config.cookies), '1', {
        secure: config.secure,
        place: config.cookies,
      }),
    )
  const start = startLogin(deps, readCookies(request), setCookie, {
    returnTo: query.get('returnTo'),
    params,
    ...(asked === undefined ? {} : { asked }),
  })
  // A silent sign-in is a courtesy: a provider that cannot be reached leaves the visitor
  // on the page, signed out, rather than on an error page.
  if (asked?.silent) return start.then(redirect, () => redirect(safeReturnTo(query.get('returnTo'), config.baseURL)))
  return redirect(await start)
}
