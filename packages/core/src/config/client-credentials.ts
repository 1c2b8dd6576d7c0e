import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto'

/** How the client authenticates at the token endpoint (RFC 6749 §2.3, OpenID Connect Core §9). */
export type ClientAuthMethod =
  'client_secret_basic' | 'client_secret_post' | 'client_secret_jwt' | 'private_key_jwt' | 'none'

export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'none',
]
/** The methods that authenticate with the client secret. */
export const SECRET_METHODS: readonly ClientAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
]

/** What the configuration says about client authentication, checked at start-up. */
export interface ClientCredentials {
  /** The configured method; undefined: chosen from what the provider lists. */
  readonly method: ClientAuthMethod | undefined
  readonly secret: string | undefined
  readonly privateKey: Readonly<{ key: KeyObject; alg: string; kid: string | undefined }> | undefined
}

/**
 * Checks `clientAuthMethod` and `clientPrivateKey` against the secret: each problem is
 * reported through `problem`, as every other option is.
 */
export function clientCredentials(
  raw: { method: unknown; privateKey: unknown; secret: string | undefined },
  problem: (message: string) => void,
): ClientCredentials {
  let method: ClientAuthMethod | undefined
  if (raw.method !== undefined && raw.method !== '') {
    if (CLIENT_AUTH_METHODS.includes(raw.method as ClientAuthMethod)) method = raw.method as ClientAuthMethod
    else
      problem(
        `clientAuthMethod (OIDC_CLIENT_AUTH_METHOD): must be one of ${CLIENT_AUTH_METHODS.join(', ')} (got ${typeof raw.method === 'string' ? JSON.stringify(raw.method) : typeof raw.method})`,
      )
  }
  let privateKey: ClientCredentials['privateKey']
  if (raw.privateKey !== undefined && raw.privateKey !== '') {
    privateKey = parsePrivateKey(raw.privateKey, problem)
  }
  const secret = raw.secret
  if (method === 'private_key_jwt' && raw.privateKey === undefined)
    problem(
      'clientAuthMethod private_key_jwt needs clientPrivateKey (OIDC_CLIENT_PRIVATE_KEY): a private key as PEM or JWK',
    )
  if (method !== undefined && SECRET_METHODS.includes(method) && secret === undefined)
    problem(`clientAuthMethod ${method} needs clientSecret (OIDC_CLIENT_SECRET)`)
  if (method === 'none' && (secret !== undefined || raw.privateKey !== undefined))
    problem(
      'clientAuthMethod none is for a public client: remove clientSecret / clientPrivateKey, or choose the method that uses them',
    )
  if (method !== undefined && method !== 'private_key_jwt' && raw.privateKey !== undefined)
    problem(`clientPrivateKey is set but clientAuthMethod is ${method}: the key is used only with private_key_jwt`)
  return Object.freeze({ method, secret, privateKey })
}

/** A private key as PEM (PKCS#8, PKCS#1, SEC1) or as a JWK (an object or its JSON), with the JWS alg it signs with. */
function parsePrivateKey(raw: unknown, problem: (message: string) => void): ClientCredentials['privateKey'] {
  const invalid = (why: string) => problem(`clientPrivateKey (OIDC_CLIENT_PRIVATE_KEY): ${why}`)
  let jwk: JsonWebKey | undefined
  let key: KeyObject
  try {
    if (typeof raw === 'string' && raw.trim().startsWith('-----BEGIN')) {
      key = createPrivateKey(raw)
    } else {
      jwk = (typeof raw === 'string' ? JSON.parse(raw) : raw) as JsonWebKey
      key = createPrivateKey({ key: jwk, format: 'jwk' })
    }
  } catch {
    // The parser's message may quote the key: never repeat it.
    invalid('must be a private key as PEM, or as a JWK (JSON) with its private members')
    return undefined
  }
  const given: unknown = jwk?.alg
  if (given !== undefined && (typeof given !== 'string' || !fits(key, given))) {
    // Found here rather than at the first sign-in, where the key is imported for this alg.
    invalid(`its "alg" ${JSON.stringify(given)} does not fit its ${key.asymmetricKeyType} key`)
    return undefined
  }
  const alg = typeof given === 'string' ? given : defaultAlg(key)
  if (alg === undefined) {
    invalid(
      `is a ${key.asymmetricKeyType} key, which cannot sign client assertions (use RSA, EC P-256/384/521 or Ed25519)`,
    )
    return undefined
  }
  return Object.freeze({ key, alg, kid: typeof jwk?.kid === 'string' ? jwk.kid : undefined })
}

const CURVE_ALGS: Record<string, string> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' }

/** Whether a client assertion can be signed with `key` under `alg`. */
function fits(key: KeyObject, alg: string): boolean {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return /^(RS|PS)(256|384|512)$/.test(alg)
    case 'rsa-pss':
      return /^PS(256|384|512)$/.test(alg)
    case 'ed25519':
      return alg === 'EdDSA' || alg === 'Ed25519'
    default:
      return alg === defaultAlg(key)
  }
}

function defaultAlg(key: KeyObject): string | undefined {
  const type = key.asymmetricKeyType
  if (type === 'rsa' || type === 'rsa-pss') return 'RS256'
  if (type === 'ed25519') return 'EdDSA'
  return type === 'ec' ? CURVE_ALGS[key.asymmetricKeyDetails?.namedCurve ?? ''] : undefined
}
