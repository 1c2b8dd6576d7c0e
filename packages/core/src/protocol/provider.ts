import * as client from 'openid-client'
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose'
import { OidcError } from '../errors.js'
import { isLoopbackHost, type ResolvedConfig } from '../config/resolve.js'
import { toOidcError } from './errors.js'

/** What the core needs of a discovered provider. */
export interface Provider {
  readonly client: client.Configuration
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
/** Seconds between discovery attempts while the provider is down. */
const RETRY_AFTER_FAILURE = 2

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
    try {
      const metadata: Partial<client.ClientMetadata> = { [client.clockTolerance]: config.clockTolerance }
      if (config.clientSecret !== undefined) metadata.client_secret = config.clientSecret
      discovered = await client.discovery(
        config.issuer,
        config.clientId,
        metadata,
        config.clientSecret === undefined ? client.None() : client.ClientSecretBasic(config.clientSecret),
        { execute: insecure ? [client.allowInsecureRequests] : [], timeout: config.httpTimeout },
      )
    } catch (err) {
      const error = toOidcError(err, 'provider_unavailable', 'discovering the provider')
      config.logger.error(`discovery of ${config.issuer.href} failed: ${error.message}${describeCause(err)}`)
      throw error.code === 'provider_unavailable' ? error : new OidcError('provider_unavailable', `The OpenID Provider's discovery document is not usable: ${error.message}`, { cause: err })
    }
    const metadata = discovered.serverMetadata()
    if (!metadata.jwks_uri) throw new OidcError('provider_unavailable', 'The OpenID Provider advertises no jwks_uri; ID tokens cannot be verified.')
    const jwksUri = new URL(metadata.jwks_uri)
    if (jwksUri.protocol !== 'https:' && !(jwksUri.protocol === 'http:' && (isLoopbackHost(jwksUri.hostname) || insecure))) {
      throw new OidcError('provider_unavailable', 'The OpenID Provider\'s jwks_uri is not https.')
    }
    return {
      client: discovered,
      metadata,
      // ID tokens reach us from the token endpoint, never from the browser, so an unknown
      // `kid` can only be a key the provider rotated in: refetch at once (no cooldown).
      jwks: createRemoteJWKSet(jwksUri, { cooldownDuration: 0, timeoutDuration: config.httpTimeout * 1000 }),
      publicJwks: createRemoteJWKSet(jwksUri, { cooldownDuration: PUBLIC_JWKS_COOLDOWN * 1000, timeoutDuration: config.httpTimeout * 1000 }),
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

function describeCause(err: unknown): string {
  const cause = err instanceof Error ? err.cause : undefined
  return cause instanceof Error ? ` (${cause.message})` : ''
}
