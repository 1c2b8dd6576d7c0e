import { importJWK } from 'jose'
import * as client from 'openid-client'
import { OidcError } from '../errors.js'
import { SECRET_METHODS, type ClientAuthMethod, type ClientCredentials } from '../config/client-credentials.js'

/**
 * The method to use with this provider, or why there is none. A configured method must be
 * listed in `token_endpoint_auth_methods_supported` (when the provider lists any). Else it
 * follows from the credentials: a private key signs (`private_key_jwt`); a secret goes in
 * Basic where the provider lists it or lists nothing (the specification's default), else
 * in whichever other secret method it lists, else in the body (`client_secret_post`:
 * oauth2-mock-server lists only `none` and takes anything); no credentials is a public
 * client (`none`, which providers that take public clients do not always list: Auth0).
 */
export function chooseMethod(
  credentials: ClientCredentials,
  supported: readonly string[] | undefined,
): { method: ClientAuthMethod } | { problem: string } {
  const listed = Array.isArray(supported) && supported.length > 0 ? supported : undefined
  if (credentials.method !== undefined) {
    if (listed === undefined || listed.includes(credentials.method)) return { method: credentials.method }
    return {
      problem: `its token_endpoint_auth_methods_supported (${listed.join(', ')}) does not list the configured client authentication method (${credentials.method}): set clientAuthMethod (OIDC_CLIENT_AUTH_METHOD) to one it lists, with the credentials it needs`,
    }
  }
  if (credentials.privateKey !== undefined) return { method: 'private_key_jwt' }
  if (credentials.secret === undefined) return { method: 'none' }
  return {
    method:
      listed === undefined
        ? 'client_secret_basic'
        : (SECRET_METHODS.find((m) => listed.includes(m)) ?? 'client_secret_post'),
  }
}

/** The openid-client authentication for `method`. */
export async function clientAuthentication(
  method: ClientAuthMethod,
  credentials: ClientCredentials,
): Promise<client.ClientAuth> {
  switch (method) {
    case 'client_secret_basic':
      return clientSecretBasic(credentials.secret!)
    case 'client_secret_post':
      return client.ClientSecretPost(credentials.secret)
    case 'client_secret_jwt':
      return client.ClientSecretJwt(credentials.secret)
    case 'private_key_jwt': {
      const { key, alg, kid } = credentials.privateKey!
      const cryptoKey = await importJWK(key.export({ format: 'jwk' }), alg)
      if (cryptoKey instanceof Uint8Array)
        throw new OidcError('invalid_options', 'clientPrivateKey (OIDC_CLIENT_PRIVATE_KEY): not an asymmetric key')
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
