import * as client from 'openid-client'
import { isLoopbackHost, type ResolvedConfig } from '../config/resolve.js'
import type { Provider } from './provider.js'

/** Configurations already warned that their provider has no logout endpoint: once per app. */
const warned = new WeakSet<ResolvedConfig>()

/** Placeholders of a configured `logoutUrl`, each replaced by its value, URL-encoded. */
const PLACEHOLDERS = ['client_id', 'post_logout_redirect_uri', 'id_token_hint'] as const
type Placeholder = (typeof PLACEHOLDERS)[number]

/**
 * What is wrong with a `logoutUrl` template, or undefined: an https URL (http on loopback)
 * whose `{...}` are only the known placeholders.
 */
export function logoutUrlProblem(template: string): string | undefined {
  const unknown = [...template.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]!).filter((name) => !PLACEHOLDERS.includes(name as Placeholder))
  if (unknown.length > 0) return `has unknown placeholders ${unknown.map((n) => `{${n}}`).join(', ')} (known: ${PLACEHOLDERS.map((n) => `{${n}}`).join(', ')})`
  const url = URL.parse(fill(template, { client_id: 'x', post_logout_redirect_uri: 'x', id_token_hint: 'x' }))
  if (url === null) return 'must be an absolute URL, e.g. https://tenant.auth0.com/v2/logout?client_id={client_id}&returnTo={post_logout_redirect_uri}'
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) return undefined
  return 'must be an https URL (http only on loopback hosts)'
}

/**
 * Where the browser goes to end the provider's session, or undefined for a logout here
 * only: the configured `logoutUrl` (Auth0's `/v2/logout`, Cognito's `/logout`, which they
 * do not advertise), else the advertised `end_session_endpoint` (RP-Initiated Logout), else
 * nothing — logged once, so that a provider session left open is never a silent surprise.
 */
export async function providerLogoutUrl(config: ResolvedConfig, discover: () => Promise<Provider>, idToken: string, postLogoutRedirectUri: string): Promise<string | undefined> {
  if (!config.idpLogout) return undefined
  if (config.logoutUrl !== undefined) {
    return fill(config.logoutUrl, { client_id: config.clientId, post_logout_redirect_uri: postLogoutRedirectUri, id_token_hint: idToken })
  }
  const provider = await discover()
  if (!provider.metadata.end_session_endpoint) {
    if (warned.has(config)) return undefined
    warned.add(config)
    config.logger.warn('the provider advertises no end_session_endpoint: signed out here only, the provider session stays open (set logoutUrl / OIDC_LOGOUT_URL, or idpLogout: false to say this is intended)')
    return undefined
  }
  return client.buildEndSessionUrl(provider.client, {
    id_token_hint: idToken,
    post_logout_redirect_uri: postLogoutRedirectUri,
    client_id: config.clientId,
  }).href
}

function fill(template: string, values: Record<Placeholder, string>): string {
  return template.replace(/\{(client_id|post_logout_redirect_uri|id_token_hint)\}/g, (_m, name: Placeholder) => encodeURIComponent(values[name]))
}
