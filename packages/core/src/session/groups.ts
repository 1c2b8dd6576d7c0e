import type { Claims } from './store.js'

/**
 * Groups at a claim: `groups` (Dex, Okta, Entra ID), a dot path such as
 * `realm_access.roles` (Keycloak), or a namespaced claim name that itself holds dots,
 * such as `https://example.com/groups` (Auth0), which is looked up whole first.
 * A single string counts as one group; anything that is not a string is ignored.
 */
export function groupsFromClaims(claims: Claims, claim: string): string[] {
  let value: unknown = claims[claim]
  if (value === undefined && claim.includes('.')) {
    value = claims
    for (const segment of claim.split('.')) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return []
      value = (value as Record<string, unknown>)[segment]
    }
  }
  if (typeof value === 'string') return value === '' ? [] : [value]
  if (!Array.isArray(value)) return []
  return value.filter((g): g is string => typeof g === 'string')
}
