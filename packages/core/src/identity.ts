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

/**
 * Claims about the authentication rather than the user: they come from the ID token and
 * nowhere else. Userinfo can add claims about the user, never replace these (nor add them
 * when the ID token has none).
 */
export const ID_TOKEN_ONLY: readonly string[] = [
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'acr',
  'amr',
  'auth_time',
  'nonce',
  'sid',
  'azp',
  'at_hash',
  'c_hash',
  's_hash',
]
