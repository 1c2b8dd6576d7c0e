import * as client from 'openid-client'
import type { JWTVerifyGetKey } from 'jose'
import { OidcError } from '../errors.js'
import { isLoopbackHost, type ResolvedConfig } from '../config/resolve.js'
import { toOidcError } from './errors.js'
import { remoteKeys } from './keys.js'

/** What the core needs of a discovered provider. */
export interface Provider {
  readonly client: client.Configuration
  /**
   * The same client with a longer HTTP timeout (`REFRESH_TIMEOUT`), for refresh grants: a
   * provider that answers late has already rotated the refresh token, so an attempt given
   * up on would leave the session holding a spent one. Requests wait for it no longer than
   * `httpTimeout`; the attempt goes on and its answer is saved.
   */
  readonly refreshClient: client.Configuration
  readonly metadata: Readonly<client.ServerMetadata>
  /** The provider's JWKS for tokens it sends us directly (ID tokens from its token endpoint). */
  readonly jwks: JWTVerifyGetKey
  /**
   * The same JWKS for tokens anyone can send us (bearer tokens, logout tokens): an unknown
   * `kid` refetches it at most every few seconds, so forged tokens cannot make us hammer
   * the provider.
   */
  readonly publicJwks: JWTVerifyGetKey
  /** ID token `alg` values accepted: advertised by the provider, supported here, never `none`. */
  readonly idTokenAlgs: readonly string[]
}

/** Seconds between JWKS refetches caused by tokens that anyone can send. */
const PUBLIC_JWKS_COOLDOWN = 10
export const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']
const SYMMETRIC = ['HS256', 'HS384', 'HS512']
/** Seconds a refresh grant may take at least (see `Provider.refreshClient`). */
const REFRESH_TIMEOUT = 60
/** Seconds between discovery attempts while the provider is down. */
const RETRY_AFTER_FAILURE = 2
/**
 * The discovered endpoints this relying party, openid-client or the browser may use. Each
 * one advertised must be an https URL (see `endpointProblem`); one not advertised is fine.
 */
const ENDPOINTS = [
  'authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'end_session_endpoint', 'jwks_uri',
  'revocation_endpoint', 'introspection_endpoint', 'pushed_authorization_request_endpoint',
] as const

/**
 * Discovery is lazy and retried: the app starts while its provider is down, the first
 * request that needs the provider discovers it, and a failed attempt is retried by a
 * later request (not more than once every few seconds).
 */
export class ProviderDiscovery {
  readonly #config: ResolvedConfig
  #pending: Promise<Provider> | undefined
  #failedAt = 0

  constructor(config: ResolvedConfig) {
    this.#config = config
  }

  get(): Promise<Provider> {
    if (this.#pending) return this.#pending
    if (Date.now() - this.#failedAt < RETRY_AFTER_FAILURE * 1000) {
      return Promise.reject(new OidcError('provider_unavailable', 'The OpenID Provider could not be reached; try again shortly.'))
    }
    const attempt = this.#discover()
    this.#pending = attempt
    attempt.catch(() => {
      this.#pending = undefined
      this.#failedAt = Date.now()
    })
    return attempt
  }

  async #discover(): Promise<Provider> {
    const config = this.#config
    const insecure = config.issuer.protocol === 'http:'
    let discovered: client.Configuration
    const clientMetadata: Partial<client.ClientMetadata> = { [client.clockTolerance]: config.clockTolerance }
    if (config.clientSecret !== undefined) clientMetadata.client_secret = config.clientSecret
    const auth = () => (config.clientSecret === undefined ? client.None() : client.ClientSecretBasic(config.clientSecret))
    try {
      discovered = await client.discovery(config.issuer, config.clientId, clientMetadata, auth(), {
        execute: insecure ? [client.allowInsecureRequests] : [],
        timeout: config.httpTimeout,
      })
    } catch (err) {
      const error = toOidcError(err, 'provider_unavailable', 'discovering the provider')
      config.logger.error(`discovery of ${config.issuer.href} failed: ${error.message}${describeCause(err)}`)
      throw error.code === 'provider_unavailable' ? error : new OidcError('provider_unavailable', `The OpenID Provider's discovery document is not usable: ${error.message}`, { cause: err })
    }
    const metadata = discovered.serverMetadata()
    const unusable = (problem: string) => {
      config.logger.error(`discovery of ${config.issuer.href} failed: ${problem}`)
      return new OidcError('provider_unavailable', `The OpenID Provider's discovery document is not usable: ${problem}.`)
    }
    if (!metadata.jwks_uri) throw unusable('it advertises no jwks_uri, so ID tokens cannot be verified')
    for (const name of ENDPOINTS) {
      const problem = endpointProblem(metadata[name], config.issuer)
      if (problem !== undefined) throw unusable(`its ${name} ${problem}`)
    }
    const jwksUri = new URL(metadata.jwks_uri)
    const keys = { timeout: config.httpTimeout, logger: config.logger }
    const refreshClient = new client.Configuration(metadata, config.clientId, clientMetadata, auth())
    if (insecure) client.allowInsecureRequests(refreshClient)
    refreshClient.timeout = Math.max(REFRESH_TIMEOUT, config.httpTimeout)
    return {
      client: discovered,
      refreshClient,
      metadata,
      // ID tokens reach us from the token endpoint, never from the browser, so an unknown
      // `kid` can only be a key the provider rotated in: refetch at once (no cooldown).
      jwks: remoteKeys(jwksUri, { ...keys, cooldown: 0 }),
      publicJwks: remoteKeys(jwksUri, { ...keys, cooldown: PUBLIC_JWKS_COOLDOWN }),
      idTokenAlgs: idTokenAlgs(config, metadata.id_token_signing_alg_values_supported),
    }
  }
}

function idTokenAlgs(config: ResolvedConfig, advertised: readonly string[] | undefined): readonly string[] {
  const supported = config.clientSecret === undefined ? ASYMMETRIC : [...ASYMMETRIC, ...SYMMETRIC]
  // OpenID Connect Discovery makes the list required; RS256 is the specification's default.
  const offered = advertised && advertised.length > 0 ? advertised : ['RS256']
  return offered.filter((alg) => supported.includes(alg) && (config.idTokenSigningAlgs?.includes(alg) ?? true))
}

/**
 * What is wrong with a discovered endpoint, or `undefined` when it is usable (or not
 * advertised). Like the issuer: https, or plain http on a loopback host; any http only
 * when the issuer itself is plain http on another host (allowed by allowInsecureIssuer).
 * A browser is sent to some of these URLs and tokens to others, so `javascript:`, `data:`
 * or a URL that does not parse must never get that far. The problem names the scheme,
 * never the whole URL (a hostile document chooses it).
 */
function endpointProblem(value: unknown, issuer: URL): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') return 'is not a string'
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'is not a URL'
  }
  if (url.protocol === 'https:') return undefined
  if (url.protocol !== 'http:') return `uses the scheme ${url.protocol} instead of https:`
  const insecureIssuer = issuer.protocol === 'http:' && !isLoopbackHost(issuer.hostname)
  if (isLoopbackHost(url.hostname) || insecureIssuer) return undefined
  return `uses plain http: on ${url.hostname}, which is not a loopback host (https is required)`
}

function describeCause(err: unknown): string {
  const cause = err instanceof Error ? err.cause : undefined
  return cause instanceof Error ? ` (${cause.message})` : ''
}
