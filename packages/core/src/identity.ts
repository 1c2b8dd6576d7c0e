/**
 * The ground floor: who someone is, as the provider vouched for it. Imports nothing of
 * ours. A session has an identity (and tokens); a bearer token is one.
 */

/** Claims of an ID token, a userinfo response or a bearer token. */
export type Claims = { sub: string } & Record<string, unknown>

/** A verified identity: the subject and the claims the provider signed (or userinfo added). */
export interface Identity {
  readonly sub: string
  readonly claims: Claims
}
