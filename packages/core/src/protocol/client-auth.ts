import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto'
import { importJWK } from 'jose'
import * as client from 'openid-client'

/** How the client authenticates at the token endpoint (RFC 6749 §2.3, OpenID Connect Core §9). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'client_secret_jwt' | 'private_key_jwt' | 'none'

export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none']
const SECRET_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt']

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
    else problem(`clientAuthMethod (OIDC_CLIENT_AUTH_METHOD): must be one of ${CLIENT_AUTH_METHODS.join(', ')} (got ${JSON.stringify(String(raw.method))})`)
  }
  let privateKey: ClientCredentials['privateKey']
  if (raw.privateKey !== undefined && raw.privateKey !== '') {
    privateKey = parsePrivateKey(raw.privateKey, problem)
  }
  const secret = raw.secret
  if (method === 'private_key_jwt' && raw.privateKey === undefined) problem('clientAuthMethod private_key_jwt needs clientPrivateKey (OIDC_CLIENT_PRIVATE_KEY): a private key as PEM or JWK')
  if (method !== undefined && SECRET_METHODS.includes(method) && secret === undefined) problem(`clientAuthMethod ${method} needs clientSecret (OIDC_CLIENT_SECRET)`)
  if (method === 'none' && (secret !== undefined || raw.privateKey !== undefined)) problem('clientAuthMethod none is for a public client: remove clientSecret / clientPrivateKey, or choose the method that uses them')
  if (method !== undefined && method !== 'private_key_jwt' && raw.privateKey !== undefined) problem(`clientPrivateKey is set but clientAuthMethod is ${method}: the key is used only with private_key_jwt`)
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
  const alg = typeof jwk?.alg === 'string' ? jwk.alg : defaultAlg(key)
  if (alg === undefined) {
    invalid(`is a ${key.asymmetricKeyType} key, which cannot sign client assertions (use RSA, EC P-256/384/521 or Ed25519)`)
    return undefined
  }
  return Object.freeze({ key, alg, kid: typeof jwk?.kid === 'string' ? jwk.kid : undefined })
}

const CURVE_ALGS: Record<string, string> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' }

function defaultAlg(key: KeyObject): string | undefined {
  const type = key.asymmetricKeyType
  if (type === 'rsa' || type === 'rsa-pss') return 'RS256'
  if (type === 'ed25519') return 'EdDSA'
  return type === 'ec' ? CURVE_ALGS[key.asymmetricKeyDetails?.namedCurve ?? ''] : undefined
}

/**
 * The method to use with this provider, or why there is none. A configured method must be
 * listed in `token_endpoint_auth_methods_supported` (when the provider lists any). Else it
 * follows from the credentials: a private key signs (`private_key_jwt`); a secret goes in
 * Basic where the provider lists it or lists nothing (the specification's default), else
 * in whichever other secret method it lists, else in the body (`client_secret_post`:
 * oauth2-mock-server lists only `none` and takes anything); no credentials is a public
 * client (`none`, which providers that take public clients do not always list: Auth0).
 */
export function chooseMethod(credentials: ClientCredentials, supported: readonly string[] | undefined): { method: ClientAuthMethod } | { problem: string } {
  const listed = Array.isArray(supported) && supported.length > 0 ? supported : undefined
  if (credentials.method !== undefined) {
    if (listed === undefined || listed.includes(credentials.method)) return { method: credentials.method }
    return {
      problem: `its token_endpoint_auth_methods_supported (${listed.join(', ')}) does not list the configured client authentication method (${credentials.method}): set clientAuthMethod (OIDC_CLIENT_AUTH_METHOD) to one it lists, with the credentials it needs`,
    }
  }
  if (credentials.privateKey !== undefined) return { method: 'private_key_jwt' }
  if (credentials.secret === undefined) return { method: 'none' }
  return { method: listed === undefined ? 'client_secret_basic' : SECRET_METHODS.find((m) => listed.includes(m)) ?? 'client_secret_post' }
}

/** The openid-client authentication for `method`. */
export async function clientAuthentication(method: ClientAuthMethod, credentials: ClientCredentials): Promise<client.ClientAuth> {
  switch (method) {
    case 'client_secret_basic':
      return clientSecretBasic(credentials.secret!)
    case 'client_secret_post':
      return client.ClientSecretPost(credentials.secret!)
    case 'client_secret_jwt':
      return client.ClientSecretJwt(credentials.secret!)
    case 'private_key_jwt': {
      const { key, alg, kid } = credentials.privateKey!
      const cryptoKey = await importJWK(key.export({ format: 'jwk' }), alg)
      if (cryptoKey instanceof Uint8Array) throw new TypeError('clientPrivateKey: not an asymmetric key')
      return client.PrivateKeyJwt(kid === undefined ? { key: cryptoKey } : { key: cryptoKey, kid })
    }
    case 'none':
      return client.None()
  }
}

/**
 * `client_secret_basic` with the id and secret form-urlencoded as RFC 6749 §2.3.1 asks,
 * changing only what must change: openid-client also escapes `- _ . ! ~ * ' ( )`, and
 * providers that do not decode Basic credentials (Glewlwyd, oauth2-mock-server, many
 * hand-written ones) then see `oidc%2Drp` and refuse a client id as ordinary as `oidc-rp`.
 */
function clientSecretBasic(secret: string): client.ClientAuth {
  return (_server, metadata, _body, headers) => {
    const credentials = `${formEncode(metadata.client_id)}:${formEncode(secret)}`
    headers.set('authorization', `Basic ${Buffer.from(credentials).toString('base64')}`)
  }
}

/** Percent-encodes all but RFC 3986's unreserved characters (letters, digits, `- . _ ~`). */
export function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}
