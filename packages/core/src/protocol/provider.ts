import * as client from 'openid-client'
import * as oauth from 'oauth4webapi'
import type { JWTVerifyGetKey } from 'jose'
import { OidcError } from '../errors.js'
import type { ResolvedConfig } from '../config/resolve.js'
import { isLoopbackHost } from '../http/types.js'
import type { Fetch } from '../http/outbound.js'
import { chooseMethod, clientAuthentication } from './client-auth.js'
import { providerFailure, toOidcError } from './errors.js'
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
  /**
   * The issuers whose tokens are accepted: the provider's own, or for a multi-tenant one
   * (Entra ID's `common`, whose `issuer` is `…/{tenantid}/v2.0`) one per allowed tenant.
   */
  readonly issuers: readonly string[]
  /** The scope of authorization requests: the configured one, fitted to the provider's `scopes_supported`. */
  readonly scope: string
}

/** Seconds between JWKS refetches caused by tokens that anyone can send. */
const PUBLIC_JWKS_COOLDOWN = 10
export const ASYMMETRIC = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]
const SYMMETRIC = ['HS256', 'HS384', 'HS512']
/**
 * Seconds a refresh grant may take at least (see `Provider.refreshClient`): longer than the
 * 60 s at which the gateways commonly in front of providers (nginx, load balancers) give up
 * themselves, so that it is the provider's side that ends a held request, before it has
 * rotated anything, and not ours after it has.
 */
const REFRESH_TIMEOUT = 90
/** Seconds between discovery attempts while the provider is down. */
const RETRY_AFTER_FAILURE = 2
/**
 * The discovered endpoints this relying party, openid-client or the browser may use. Each
 * one advertised must be an https URL (see `endpointProblem`); one not advertised is fine.
 */
const ENDPOINTS = [
  'authorization_endpoint',
  'token_endpoint',
  'userinfo_endpoint',
  'end_session_endpoint',
  'jwks_uri',
  'revocation_endpoint',
  'introspection_endpoint',
  'pushed_authorization_request_endpoint',
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
      return Promise.reject(
        new OidcError('provider_unavailable', 'The OpenID Provider could not be reached; try again shortly.'),
      )
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
    // The method depends on what the provider lists, known only once discovered.
    let authenticate: client.ClientAuth = client.None()
    const clientMetadata: Partial<client.ClientMetadata> = { [client.clockTolerance]: config.clockTolerance }
    if (config.clientSecret !== undefined) clientMetadata.client_secret = config.clientSecret
    const discover = (timeout: number) =>
      client.discovery(config.issuer, config.clientId, clientMetadata, (...args) => authenticate(...args), {
        execute: insecure ? [client.allowInsecureRequests] : [],
        timeout,
        [client.customFetch]: viaFetch(config.fetch),
      })
    try {
      discovered = await discover(config.httpTimeout)
    } catch (err) {
      const mismatch = issuerMismatch(err, config.issuer)
      if (mismatch !== undefined) {
        config.logger.error(`discovery of ${config.issuer.href} failed: ${mismatch}`)
        throw new OidcError(
          'provider_unavailable',
          `The OpenID Provider's discovery document is not usable: ${mismatch}.`,
          {
            cause: err,
          },
        )
      }
      const { mapped, error } = providerFailure(
        err,
        'discovering the provider',
        "The OpenID Provider's discovery document is not usable",
      )
      config.logger.error(`discovery of ${config.issuer.href} failed: ${mapped.message}${describeCause(err)}`)
      throw error
    }
    const metadata = discovered.serverMetadata()
    const unusable = (problem: string) => {
      config.logger.error(`discovery of ${config.issuer.href} failed: ${problem}`)
      return new OidcError(
        'provider_unavailable',
        `The OpenID Provider's discovery document is not usable: ${problem}.`,
      )
    }
    if (!metadata.jwks_uri) throw unusable('it advertises no jwks_uri, so ID tokens cannot be verified')
    for (const name of ENDPOINTS) {
      const problem = endpointProblem(metadata[name], config.issuer)
      if (problem !== undefined) throw unusable(`its ${name} ${problem}`)
    }
    const issuers = tenantIssuers(metadata.issuer, config.allowedTenants)
    if (typeof issuers === 'string') throw unusable(issuers)
    const chosen = chooseMethod(config.clientAuth, metadata.token_endpoint_auth_methods_supported)
    if ('problem' in chosen) throw unusable(chosen.problem)
    const signingAlgs = metadata.token_endpoint_auth_signing_alg_values_supported
    const assertionAlg = chosen.method === 'private_key_jwt' ? config.clientAuth.privateKey!.alg : undefined
    if (assertionAlg !== undefined && signingAlgs?.length && !signingAlgs.includes(assertionAlg)) {
      throw unusable(
        `its token_endpoint_auth_signing_alg_values_supported (${signingAlgs.join(', ')}) does not list ${assertionAlg}, the algorithm of clientPrivateKey (set "alg" in the JWK to one it lists)`,
      )
    }
    authenticate = await clientAuthentication(chosen.method, config.clientAuth)
    const jwksUri = new URL(metadata.jwks_uri)
    const keys = { timeout: config.httpTimeout, logger: config.logger, fetch: config.fetch }
    const refreshTimeout = Math.max(REFRESH_TIMEOUT, config.httpTimeout)
    let refreshClient: client.Configuration
    if (issuers.length === 1 && issuers[0] === metadata.issuer) {
      refreshClient = new client.Configuration(metadata, config.clientId, clientMetadata, authenticate)
      if (insecure) client.allowInsecureRequests(refreshClient)
      refreshClient.timeout = refreshTimeout
      refreshClient[client.customFetch] = viaFetch(config.fetch)
    } else {
      // A multi-tenant issuer: only a discovered client keeps openid-client's own handling
      // of it (each token's issuer from its tid), so the refresh client is discovered too.
      try {
        refreshClient = await discover(refreshTimeout)
      } catch (err) {
        throw toOidcError(err, 'provider_unavailable', 'discovering the provider')
      }
    }
    return {
      client: discovered,
      refreshClient,
      metadata,
      // ID tokens reach us from the token endpoint, never from the browser, so an unknown
      // `kid` can only be a key the provider rotated in: refetch at once (no cooldown).
      jwks: remoteKeys(jwksUri, { ...keys, cooldown: 0 }),
      publicJwks: remoteKeys(jwksUri, { ...keys, cooldown: PUBLIC_JWKS_COOLDOWN }),
      idTokenAlgs: idTokenAlgs(config, metadata.id_token_signing_alg_values_supported),
      scope: requestedScope(config, metadata.scopes_supported),
      issuers,
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
 * The issuers to accept, or why there are none. A multi-tenant provider names its issuer
 * as a template, and each token's `iss` names its tenant: accepted only for the tenants
 * the app lists, never for any tenant (which would let every Entra ID directory in).
 */
function tenantIssuers(issuer: string, allowedTenants: readonly string[] | undefined): readonly string[] | string {
  const template = issuer.includes('{tenantid}')
  if (template && allowedTenants === undefined) {
    return `its issuer ${issuer} is a multi-tenant template: set allowedTenants (OIDC_ALLOWED_TENANTS) to the tenant ids whose users may sign in`
  }
  if (!template && allowedTenants !== undefined)
    return `allowedTenants is set, but its issuer ${issuer} is not a multi-tenant template with {tenantid}`
  return template ? allowedTenants!.map((tenant) => issuer.replace('{tenantid}', tenant)) : [issuer]
}

/**
 * The configured scope, fitted to what the provider lists (when it lists anything):
 * `offline_access` only if listed (Google and Cognito refuse it with invalid_scope; Google
 * gives refresh tokens for `access_type=offline` instead), and `groups` added when listed
 * and the groups claim is the default one (Dex, Okta release groups only for that scope).
 */
function requestedScope(config: ResolvedConfig, supported: readonly string[] | undefined): string {
  if (!Array.isArray(supported) || supported.length === 0) return config.scope
  const scopes = config.scope.split(' ').filter((scope) => scope !== 'offline_access' || supported.includes(scope))
  if (config.groupsClaim === 'groups' && supported.includes('groups') && !scopes.includes('groups'))
    scopes.push('groups')
  return scopes.join(' ')
}

/**
 * What is wrong with a discovered endpoint, or `undefined` when it is usable (or not
 * advertised). Like the issuer: https; plain http only when the issuer is plain http too,
 * on a loopback host (any host when the issuer is on another one, by allowInsecureIssuer).
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
  // openid-client sends nothing over plain http for an https issuer: refuse it here, cleanly.
  if (issuer.protocol === 'https:') return 'uses plain http: while the issuer is https'
  const insecureIssuer = !isLoopbackHost(issuer.hostname)
  if (isLoopbackHost(url.hostname) || insecureIssuer) return undefined
  return `uses plain http: on ${url.hostname}, which is not a loopback host (https is required)`
}

function describeCause(err: unknown): string {
  const cause = err instanceof Error ? err.cause : undefined
  return cause instanceof Error ? ` (${cause.message})` : ''
}

/** openid-client's fetch hook over the configured `fetch(url, init)` (a body it leaves undefined is left out). */
function viaFetch(fetch: Fetch): client.CustomFetch {
  return (url, { body, ...init }) => fetch(url, body === undefined ? init : { ...init, body })
}

/**
 * A discovery document whose `issuer` is not the configured one: both issuers, so that it
 * is not mistaken for an outage (it is the configuration, or the wrong URL, to fix).
 */
function issuerMismatch(err: unknown, expected: URL): string | undefined {
  if (!(err instanceof Error) || (err as { code?: unknown }).code !== oauth.JSON_ATTRIBUTE_COMPARISON) return undefined
  const cause = err.cause as { attribute?: unknown; body?: { issuer?: unknown } } | undefined
  if (cause?.attribute !== 'issuer') return undefined
  const found =
    typeof cause.body?.issuer === 'string' ? cause.body.issuer.replace(/[^\x20-\x7e]/g, '').slice(0, 200) : '(none)'
  return `it names the issuer ${JSON.stringify(found)}, but the configured issuer is ${JSON.stringify(expected.href)}: set issuer (OIDC_ISSUER) to exactly the provider's issuer (path and trailing slash included)`
}
