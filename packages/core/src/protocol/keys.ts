import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose'
import type { Fetch } from '../http/outbound.js'
import type { Logger } from '../config/options.js'
import { OidcError } from '../errors.js'

/**
 * The verification key of a token from the provider: the client secret for HS* (never a
 * public key, which would allow alg confusion), the provider's JWKS for everything else.
 * Which `alg` values are acceptable at all is decided by the caller's allow-list.
 */
export function providerKeys(jwks: JWTVerifyGetKey, clientSecret: string | undefined): JWTVerifyGetKey {
  const secret = clientSecret === undefined ? undefined : new TextEncoder().encode(clientSecret)
  return (header, token) => {
    if (!header.alg?.startsWith('HS')) return jwks(header, token)
    if (!secret) throw new Error('it is signed with a client secret, but none is configured')
    return secret
  }
}

export interface RemoteKeysOptions {
  /** Seconds after a good fetch before an unknown `kid` may fetch the keys again. */
  cooldown: number
  /** Seconds before a fetch of the keys is given up. */
  timeout: number
  logger: Logger
  fetch: Fetch
}

/**
 * The provider's JWKS at `url`, cached and refetched by jose (after 10 minutes, or for an
 * unknown `kid` once the cooldown is over). A key server that cannot be read — no
 * connection, a timeout, a status other than 200, a body that is not JSON or not a JWKS —
 * is an outage, not a bad token: it fails with `provider_unavailable` (503, retried later),
 * so no session ends and no sign-in is refused for it. Once a JWKS was read, not finding
 * a usable key in it (jose's JWKSNoMatchingKey, JWKSMultipleMatchingKeys, a key of the
 * wrong type) still refuses the token.
 */
export function remoteKeys(url: URL, options: RemoteKeysOptions): JWTVerifyGetKey {
  const where = `the OpenID Provider's key server (jwks_uri on ${url.host})`
  // Every request that needs the keys tries again while the key server is down: logged
  // once per outage, not once per request.
  let failing = false
  const unavailable = (reason: string, cause?: unknown) => {
    if (!failing)
      options.logger.error(
        `fetching the keys from ${where} failed, and is not logged again until it succeeds: ${reason}`,
      )
    failing = true
    return new OidcError(
      'provider_unavailable',
      `The keys to verify the token could not be fetched: ${where} ${reason}; try again shortly.`,
      cause === undefined ? {} : { cause },
    )
  }
  // jose reads the keys through this fetch and only then selects one: every failure
  // raised here is the key server's, none is the token's.
  const fetchKeys = async (href: string, init: RequestInit): Promise<Response> => {
    let body: string
    try {
      const response = await options.fetch(href, init)
      if (response.status !== 200) {
        await response.body?.cancel()
        throw unavailable(`answered HTTP ${response.status}`)
      }
      body = await response.text()
    } catch (err) {
      if (err instanceof OidcError) throw err
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
      throw unavailable(timedOut ? `did not answer within ${options.timeout} s` : 'could not be reached', err)
    }
    let json: unknown
    try {
      json = JSON.parse(body)
    } catch (err) {
      throw unavailable('answered with a body that is not JSON', err)
    }
    if (!isKeySet(json)) throw unavailable('answered with JSON that is not a JSON Web Key Set ({"keys": [...]})')
    if (failing) options.logger.warn(`the keys were fetched again from ${where}`)
    failing = false
    return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } })
  }
  return createRemoteJWKSet(url, {
    cooldownDuration: options.cooldown * 1000,
    timeoutDuration: options.timeout * 1000,
    [customFetch]: fetchKeys,
  })
}

/**
 * A verifier's failure that is the key server's outage (from `remoteKeys`): passed on as it
 * is, never turned into a refused token.
 */
export function isKeyServerOutage(err: unknown): err is OidcError {
  return err instanceof OidcError && err.code === 'provider_unavailable'
}

/** The shape jose requires of a JWKS (RFC 7517 §5): an object whose `keys` is an array of objects. */
function isKeySet(value: unknown): boolean {
  if (!isRecord(value)) return false
  const keys = value['keys']
  return Array.isArray(keys) && keys.every(isRecord)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
