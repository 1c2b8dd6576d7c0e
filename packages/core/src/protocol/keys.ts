import type { JWTVerifyGetKey } from 'jose'

/**
 * The verification key of a token from the provider: the client secret for HS* (never a
 * public key, which would allow alg confusion), the provider's JWKS for everything else.
 * Which `alg` values are acceptable at all is decided by the caller's allow-list.
 */
export function providerKeys(jwks: JWTVerifyGetKey, clientSecret: string | undefined): JWTVerifyGetKey {
  const secret = clientSecret === undefined ? undefined : new TextEncoder().encode(clientSecret)
  return (header, token) => {
    if (!header.alg?.startsWith('HS')) return jwks(header, token)
    if (!secret) throw new Error('it is signed with a client secret, but none is configured')
    return secret
  }
}
