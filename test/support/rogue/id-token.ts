import { createHash, createHmac, KeyObject, sign as signBytes } from 'node:crypto'
import { bendObject, type Behaviour, type Claims } from './behaviour.js'
import type { RogueKey, RogueKeys } from './keys.js'

export interface MintOptions {
  issuer: string
  clientId: string
  clientSecret: string
  keys: RogueKeys
  behaviour: Behaviour
  nonce: string | undefined
  accessToken: string
}

export interface MintedIdToken {
  jwt: string
  claims: Claims
}

/** The ID token a correct provider would issue, then bent by the behaviour. */
export function mintIdToken(options: MintOptions): MintedIdToken {
  const claims = bendObject(correctIdTokenClaims(options), options.behaviour.claims)
  return { jwt: signJws({ ...options, claims }), claims }
}

/** Alice's ID token claims from a correct provider; `nonce` and `at_hash` only with a nonce and an access token. */
export function correctIdTokenClaims(options: {
  issuer: string
  clientId: string
  nonce?: string | undefined
  accessToken?: string
}): Claims {
  const now = Math.floor(Date.now() / 1000)
  return {
    iss: options.issuer,
    sub: 'alice',
    aud: options.clientId,
    exp: now + 3600,
    iat: now,
    auth_time: now,
    ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
    ...(options.accessToken === undefined ? {} : { at_hash: leftHalfHash(options.accessToken) }),
    email: 'alice@example.com',
    email_verified: true,
    name: 'Alice Example',
    groups: ['admins', 'developers'],
  }
}

interface SignOptions extends MintOptions {
  claims: Claims
}

function signJws(options: SignOptions): string {
  const { behaviour } = options
  const signer = signerFor(options)
  const header = bendObject({ ...signer.header, typ: 'JWT' }, behaviour.header)
  const input = `${segment(header)}.${segment(options.claims)}`
  const signature = signer.sign(Buffer.from(input))
  if (behaviour.sign === 'bad-signature') signature[0] = (signature[0] ?? 0) ^ 0xff
  return `${input}.${signature.toString('base64url')}`
}

interface Signer {
  header: Record<string, unknown>
  sign(input: Buffer): Buffer
}

function signerFor(options: SignOptions): Signer {
  const { keys, behaviour } = options
  switch (behaviour.sign) {
    case 'rs256':
    case 'bad-signature':
      return asymmetric(keys.rs256)
    case 'foreign-rs256':
      return asymmetric(keys.foreign)
    case 'es256':
      return asymmetric(keys.es256)
    case 'hs256':
      return hmac({ secret: behaviour.hmacSecret ?? options.clientSecret })
    case 'hs256-with-public-key': {
      const secret = behaviour.confusionKey === 'spki-pem' ? keys.rs256.publicPem : JSON.stringify(keys.rs256.publicJwk)
      return hmac({ secret, kid: keys.rs256.kid })
    }
    case 'none':
      return { header: { alg: 'none' }, sign: () => Buffer.alloc(0) }
  }
}

function asymmetric(key: RogueKey): Signer {
  const privateKey = KeyObject.from(key.privateKey)
  return {
    header: { alg: key.alg, kid: key.kid },
    sign: (input) =>
      key.alg === 'ES256'
        ? signBytes('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' })
        : signBytes('sha256', input, privateKey),
  }
}

function hmac(options: { secret: string; kid?: string }): Signer {
  return {
    header: options.kid === undefined ? { alg: 'HS256' } : { alg: 'HS256', kid: options.kid },
    sign: (input) => createHmac('sha256', options.secret).update(input).digest(),
  }
}

function segment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/** at_hash / c_hash for the SHA-256 algorithms. */
function leftHalfHash(value: string): string {
  const digest = createHash('sha256').update(value).digest()
  return digest.subarray(0, digest.length / 2).toString('base64url')
}
