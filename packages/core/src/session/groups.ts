import type { Claims } from '../identity.js'

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

/**
 * Whether the provider left the groups out because there are too many and says where to
 * get them instead (OpenID Connect Core §5.6.2 distributed claims): Entra ID does so past
 * 200 groups, with `_claim_names: { groups: 'src1' }` and `_claim_sources`.
 */
export function groupsOverage(claims: Claims, claim: string): boolean {
  const names = claims._claim_names
  if (typeof names !== 'object' || names === null) return false
  const top = Object.hasOwn(claims, claim) || !claim.includes('.') ? claim : claim.split('.')[0]
  return Object.hasOwn(names, top)
}
