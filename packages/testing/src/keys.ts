import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose'
import type { JWK } from 'oidc-provider'

/**
 * Fresh private signing keys for one provider run: one RSA key (RS256 and PS256 share it),
 * one P-256 key (ES256) and one Ed25519 key (EdDSA). No `alg` is pinned on the RSA key so
 * both RSA algorithms can use it; every key has a thumbprint `kid`.
 */
export async function generateSigningKeys(): Promise<JWK[]> {
  const pairs = await Promise.all([
    generateKeyPair('RS256', { extractable: true, modulusLength: 2048 }),
    generateKeyPair('ES256', { extractable: true }),
    generateKeyPair('EdDSA', { extractable: true }),
  ])
  return Promise.all(
    pairs.map(async ({ privateKey }) => {
      const jwk = await exportJWK(privateKey)
      const key: JWK = { ...jwk, use: 'sig', kid: await calculateJwkThumbprint(jwk) }
      return key
    }),
  )
}
