import { randomUUID } from 'node:crypto'
import { exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK } from 'jose'

export type AsymmetricAlg = 'RS256' | 'ES256'

export interface RogueKey {
  kid: string
  alg: AsymmetricAlg
  privateKey: CryptoKey
  publicKey: CryptoKey
  /** The public JWK as published (kid, alg, use). */
  publicJwk: JWK
  /** The public key as SPKI PEM (what an alg-confusion attacker uses as an HMAC key). */
  publicPem: string
}

export interface RogueKeys {
  /** The current RS256 signing key. */
  rs256: RogueKey
  es256: RogueKey
  /** Never published in the JWKS. */
  foreign: RogueKey
  /** RS256 keys rotated out of signing; still published. */
  previous: RogueKey[]
}

export async function generateRogueKey(options: { alg: AsymmetricAlg; label: string }): Promise<RogueKey> {
  const { privateKey, publicKey } = await generateKeyPair(options.alg, { extractable: true })
  const kid = `${options.label}-${randomUUID().slice(0, 8)}`
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: options.alg, use: 'sig' }
  return { kid, alg: options.alg, privateKey, publicKey, publicJwk, publicPem: await exportSPKI(publicKey) }
}

export async function generateRogueKeys(): Promise<RogueKeys> {
  const [rs256, es256, foreign] = await Promise.all([
    generateRogueKey({ alg: 'RS256', label: 'rsa' }),
    generateRogueKey({ alg: 'ES256', label: 'ec' }),
    generateRogueKey({ alg: 'RS256', label: 'foreign' }),
  ])
  return { rs256, es256, foreign, previous: [] }
}

/** The JWKS a correct provider publishes: current and previous RSA keys, and the EC key. */
export function publishedJwks(keys: RogueKeys): { keys: JWK[] } {
  return { keys: [keys.rs256, ...keys.previous, keys.es256].map((key) => key.publicJwk) }
}
