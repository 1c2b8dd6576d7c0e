import { OidcError } from '@oidc-rp/core'
import type { ClientMetadata } from 'oidc-provider'
import type { DevClient, DevIdTokenSigningAlg, DevTokenEndpointAuthMethod } from './types.js'

export const defaultClient: DevClient = {
  clientId: 'oidc-rp-dev',
  clientSecret: 'oidc-rp-dev-secret-please-change-0123456789',
}

const SIGNING_ALGS: readonly DevIdTokenSigningAlg[] = ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256']
const AUTH_METHODS: readonly DevTokenEndpointAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'none']
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

/**
 * oidc-provider refuses an authorization_code client without a registered redirect URI. A
 * client that relies on the loopback rule alone gets this one, which is never used because
 * omitting `redirect_uri` is turned off.
 */
const PLACEHOLDER_REDIRECT_URI = 'http://127.0.0.1/oidc-rp-testing-placeholder'

/** Any `http(s)://` loopback URI, any port and path, no user info and no fragment. */
export function isLoopbackUri(value: string): boolean {
  const url = URL.parse(value)
  return (
    url !== null &&
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    LOOPBACK_HOSTS.has(url.hostname) &&
    url.username === '' &&
    url.password === '' &&
    !value.includes('#')
  )
}

export function copyClient(client: DevClient): DevClient {
  const copy: DevClient = { ...client }
  if (client.redirectUris) copy.redirectUris = [...client.redirectUris]
  if (client.postLogoutRedirectUris) copy.postLogoutRedirectUris = [...client.postLogoutRedirectUris]
  return copy
}

function fail(client: DevClient, message: string): never {
  throw new OidcError('invalid_options', `@oidc-rp/testing: client "${client.clientId}": ${message}`)
}

/** Checks every client once, before the provider starts. */
export function checkClients(clients: readonly DevClient[]): void {
  if (clients.length === 0)
    throw new OidcError('invalid_options', '@oidc-rp/testing: options.clients must not be empty')
  const seen = new Set<string>()
  for (const client of clients) {
    if (typeof client.clientId !== 'string' || client.clientId === '') {
      throw new OidcError('invalid_options', '@oidc-rp/testing: every client needs a non-empty string clientId')
    }
    if (seen.has(client.clientId)) fail(client, 'duplicate clientId')
    seen.add(client.clientId)
    if (client.clientSecret !== undefined && (typeof client.clientSecret !== 'string' || client.clientSecret === '')) {
      fail(client, 'clientSecret must be a non-empty string, or omitted for a public client')
    }
    const alg = client.idTokenSigningAlg ?? 'RS256'
    if (!SIGNING_ALGS.includes(alg)) fail(client, `idTokenSigningAlg must be one of ${SIGNING_ALGS.join(', ')}`)
    if (alg === 'HS256' && client.clientSecret === undefined)
      fail(client, 'idTokenSigningAlg HS256 needs a clientSecret')
    const method = authMethodOf(client)
    if (!AUTH_METHODS.includes(method))
      fail(client, `tokenEndpointAuthMethod must be one of ${AUTH_METHODS.join(', ')}`)
    if (method !== 'none' && client.clientSecret === undefined)
      fail(client, `tokenEndpointAuthMethod ${method} needs a clientSecret`)
    for (const uri of [...(client.redirectUris ?? []), ...(client.postLogoutRedirectUris ?? [])]) {
      if (URL.parse(uri) === null) fail(client, `"${uri}" is not an absolute URL`)
    }
    if (client.backchannelLogoutUri !== undefined && URL.parse(client.backchannelLogoutUri) === null) {
      fail(client, 'backchannelLogoutUri must be an absolute URL')
    }
  }
}

function authMethodOf(client: DevClient): DevTokenEndpointAuthMethod {
  return client.tokenEndpointAuthMethod ?? (client.clientSecret === undefined ? 'none' : 'client_secret_basic')
}

/** The oidc-provider registration of a dev client. */
export function clientMetadata(client: DevClient): ClientMetadata {
  const redirectUris = client.redirectUris?.length ? [...client.redirectUris] : [PLACEHOLDER_REDIRECT_URI]
  const metadata: ClientMetadata = {
    client_id: client.clientId,
    application_type: 'web',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: redirectUris,
    post_logout_redirect_uris: [...(client.postLogoutRedirectUris ?? [])],
    token_endpoint_auth_method: authMethodOf(client),
    id_token_signed_response_alg: client.idTokenSigningAlg ?? 'RS256',
    // ID tokens always say when the user signed in, as Keycloak's and Dex's do: what a
    // step-up guard (`requiresAuth({ maxAge })`) reads.
    require_auth_time: true,
  }
  if (client.clientSecret !== undefined) metadata.client_secret = client.clientSecret
  if (client.backchannelLogoutUri !== undefined) {
    metadata.backchannel_logout_uri = client.backchannelLogoutUri
    metadata.backchannel_logout_session_required = true
  }
  return metadata
}
