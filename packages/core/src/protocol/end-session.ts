import { randomBytes } from 'node:crypto'
import * as client from 'openid-client'
import { fillLogoutUrl } from '../config/logout-url.js'
import type { ResolvedConfig } from '../config/resolve.js'
import type { Provider } from './provider.js'

/** Configurations already warned that their provider has no logout endpoint: once per app. */
const warned = new WeakSet<ResolvedConfig>()

/**
 * Where the browser goes to end the provider's session, or undefined for a logout here
 * only: the configured `logoutUrl` (Auth0's `/v2/logout`, Cognito's `/logout`, which they
 * do not advertise), else the advertised `end_session_endpoint` (RP-Initiated Logout), else
 * nothing — logged once, so that a provider session left open is never a silent surprise.
 */
export async function providerLogoutUrl(
  config: ResolvedConfig,
  discover: () => Promise<Provider>,
  idToken: string,
  postLogoutRedirectUri: string,
): Promise<string | undefined> {
  if (!config.idpLogout) return undefined
  if (config.logoutUrl !== undefined) {
    return fillLogoutUrl(config.logoutUrl, {
      client_id: config.clientId,
      post_logout_redirect_uri: postLogoutRedirectUri,
      id_token_hint: idToken,
    })
  }
  const provider = await discover()
  if (!provider.metadata.end_session_endpoint) {
    if (warned.has(config)) return undefined
    warned.add(config)
    config.logger.warn(
      'the provider advertises no end_session_endpoint: signed out here only, the provider session stays open (set logoutUrl / OIDC_LOGOUT_URL, or idpLogout: false to say this is intended)',
    )
    return undefined
  }
  return client.buildEndSessionUrl(provider.client, {
    id_token_hint: idToken,
    post_logout_redirect_uri: postLogoutRedirectUri,
    client_id: config.clientId,
    // Optional in RP-Initiated Logout, but some providers come back to post_logout_redirect_uri
    // only with one (Glewlwyd's end-session page stays at the provider without it). Nothing
    // waits for it on the way back: that landing page is public and changes nothing.
    state: randomBytes(16).toString('base64url'),
  }).href
}
