import { OidcError } from '../errors.js'
import { readCookies } from '../http/cookies.js'
import { logoutPage } from '../http/pages.js'
import { comesFrom, html, redirect, type HttpRequest, type HttpResponse, type SetCookie } from '../http/types.js'
import { tokenRevocationKey } from '../protocol/bearer.js'
import { providerLogoutUrl } from '../protocol/end-session.js'
import { safeReturnTo } from '../protocol/return-to.js'
import { revokeBearers } from '../session/revocations.js'
import type { SessionRef } from '../session/backend.js'
import { emit, who } from '../events.js'
import { mountedPath, type RouteDeps } from './deps.js'

/**
 * `GET|POST /logout`: the local session ends, then the browser goes to the provider's
 * logout (RP-Initiated Logout, or the configured `logoutUrl`) when there is one.
 */
export async function logout(
  deps: Pick<RouteDeps, 'config' | 'provider' | 'sessions'>,
  request: HttpRequest,
  setCookie: SetCookie,
): Promise<HttpResponse> {
  const { config, sessions } = deps
  const ref = await sessions.load(readCookies(request), setCookie)
  // Where to land afterwards: a path of this app, checked like login's returnTo.
  const configured = new URL(config.postLogoutRedirectUri)
  const asked = new URL(request.url, 'http://x').searchParams.get('returnTo')
  const returnTo = safeReturnTo(asked, config.baseURL, configured.pathname + configured.search)
  // Signing out changes state: a link, image or form on another site must not do it. The
  // browser is asked instead, with a button that posts back from this app's own page.
  if (ref && !comesFrom(request, config.baseURL.origin)) {
    return html(
      200,
      logoutPage(
        mountedPath(config, config.routes.logout) + (asked === null ? '' : `?returnTo=${encodeURIComponent(returnTo)}`),
      ),
    )
  }
  return redirect(await endSession(deps, ref, setCookie, returnTo, config.idpLogout))
}

/**
 * Ends the session `ref` (if any) and gives the URL to send the browser to: the provider's
 * logout when `idpLogout` and it has one, else `returnTo` (a path of this app, already checked).
 */
export async function endSession(
  deps: Pick<RouteDeps, 'config' | 'provider' | 'sessions'>,
  ref: SessionRef | undefined,
  setCookie: SetCookie,
  returnTo: string,
  idpLogout: boolean,
): Promise<string> {
  const { config, sessions } = deps
  const after = new URL(returnTo, config.baseURL.origin).href
  if (!ref) return after
  await sessions.destroy(ref, setCookie)
  emit(config.observer, { type: 'signedOut', ...who(ref.data) })
  // Its ID token was sent in logout URLs (id_token_hint): as a bearer token it dies with the session.
  await revokeBearers(
    config,
    sessions,
    ref.data.sid !== undefined ? `sid:${ref.data.sid}` : tokenRevocationKey(ref.data.idToken),
  )
  // The local session is gone whatever happens; the provider's logout is a courtesy
  // that must not keep the user signed in here if the provider is down.
  try {
    const url = await providerLogoutUrl(
      idpLogout === config.idpLogout ? config : { ...config, idpLogout },
      () => deps.provider.get(),
      ref.data.idToken,
      after,
    )
    return url ?? after
  } catch (err) {
    if (!(err instanceof OidcError && err.code === 'provider_unavailable')) {
      config.logger.error(
        `the provider's end_session_endpoint is not usable, signed out here only: ${err instanceof Error ? err.message : String(err)}`,
      )
    }
    return after
  }
}
