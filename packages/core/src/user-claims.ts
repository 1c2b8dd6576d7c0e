/** The claims of `user`: the identity's claims without those about the token. */
import type { Claims } from './identity.js'

/**
 * Claims about the token rather than the user, left out of `user` (as express-openid-connect
 * does); and the names that would set the prototype of `user` when assigned, which claims
 * never bring (they are dropped where claims come in) but a session stored by an older
 * version might.
 */
const PROTOCOL_CLAIMS = new Set([
  'iss',
  'aud',
  'exp',
  'iat',
  'nbf',
  'nonce',
  'azp',
  'auth_time',
  'at_hash',
  'c_hash',
  's_hash',
  'sid',
  'jti',
  '__proto__',
  'constructor',
  'prototype',
])

/** Built by adding the wanted keys (not copying and deleting): a fast object, quick to serialise. */
export function userClaims(claims: Claims): Claims {
  const user: Record<string, unknown> = {}
  for (const key in claims) if (!PROTOCOL_CLAIMS.has(key)) user[key] = claims[key]
  return user as Claims
}
