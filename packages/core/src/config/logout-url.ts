import { isLoopbackHost } from '../http/types.js'

/** Placeholders of a configured `logoutUrl`, each replaced by its value, URL-encoded. */
const PLACEHOLDERS = ['client_id', 'post_logout_redirect_uri', 'id_token_hint'] as const
type Placeholder = (typeof PLACEHOLDERS)[number]

/**
 * What is wrong with a `logoutUrl` template, or undefined: an https URL (http on loopback)
 * whose `{...}` are only the known placeholders.
 */
export function logoutUrlProblem(template: string): string | undefined {
  const unknown = [...template.matchAll(/\{([^}]*)\}/g)]
    .map((m) => m[1])
    .filter((name) => !PLACEHOLDERS.includes(name as Placeholder))
  if (unknown.length > 0)
    return `has unknown placeholders ${unknown.map((n) => `{${n}}`).join(', ')} (known: ${PLACEHOLDERS.map((n) => `{${n}}`).join(', ')})`
  const url = URL.parse(fillLogoutUrl(template, { client_id: 'x', post_logout_redirect_uri: 'x', id_token_hint: 'x' }))
  if (url === null)
    return 'must be an absolute URL, e.g. https://tenant.auth0.com/v2/logout?client_id={client_id}&returnTo={post_logout_redirect_uri}'
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) return undefined
  return 'must be an https URL (http only on loopback hosts)'
}

/** The template with its placeholders replaced, URL-encoded. */
export function fillLogoutUrl(template: string, values: Record<Placeholder, string>): string {
  return template.replace(/\{(client_id|post_logout_redirect_uri|id_token_hint)\}/g, (_m, name: Placeholder) =>
    encodeURIComponent(values[name]),
  )
}
