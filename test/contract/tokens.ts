/** Tokens minted in tests with the rogue provider's keys (or others), for bearer and logout tests. */
import { randomUUID } from 'node:crypto'
import { SignJWT, UnsecuredJWT, type CryptoKey } from 'jose'
import { correctIdTokenClaims, type RogueProvider } from '../support/rogue-provider.js'

export interface MintOptions {
  claims?: Record<string, unknown>
  header?: Record<string, unknown>
  /** Defaults to the provider's RS256 key. */
  key?: CryptoKey | Uint8Array
  alg?: string
  kid?: string
}

const now = () => Math.floor(Date.now() / 1000)

/**
 * An ID token for alice with the claims the rogue provider issues (without a nonce or
 * at_hash: no sign-in asked for it); overrides where undefined deletes.
 */
export async function mintIdToken(rogue: RogueProvider, options: MintOptions = {}): Promise<string> {
  return mint(rogue, correctIdTokenClaims({ issuer: rogue.issuer, clientId: rogue.clientId }), options)
}

/** A back-channel logout token for `sid` (and alice); overrides where undefined deletes. */
export async function mintLogoutToken(rogue: RogueProvider, options: MintOptions = {}): Promise<string> {
  return mint(
    rogue,
    {
      iss: rogue.issuer,
      sub: 'alice',
      aud: rogue.clientId,
      iat: now(),
      exp: now() + 120,
      jti: randomUUID(),
      sid: 'sid-alice-1',
      events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
    },
    { ...options, header: { typ: 'logout+jwt', ...options.header } },
  )
}

async function mint(rogue: RogueProvider, defaults: Record<string, unknown>, options: MintOptions): Promise<string> {
  const payload: Record<string, unknown> = { ...defaults }
  for (const [name, value] of Object.entries(options.claims ?? {})) {
    if (value === undefined) delete payload[name]
    else payload[name] = value
  }
  if (options.alg === 'none') return new UnsecuredJWT(payload).encode()
  const alg = options.alg ?? 'RS256'
  const key = options.key ?? (alg === 'ES256' ? rogue.keys.es256.privateKey : rogue.keys.rs256.privateKey)
  const kid =
    options.kid ?? (alg === 'ES256' ? rogue.keys.es256.kid : alg.startsWith('HS') ? undefined : rogue.keys.rs256.kid)
  return new SignJWT(payload).setProtectedHeader({ alg, ...(kid ? { kid } : {}), ...options.header }).sign(key)
}
