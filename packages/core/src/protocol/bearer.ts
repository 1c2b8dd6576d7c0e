import { createHash } from 'node:crypto'
import { decodeJwt } from 'jose'
import { setNewest } from '../bounded-map.js'
import type { ResolvedConfig } from '../config/resolve.js'
import type { OidcError } from '../errors.js'
import type { Claims, Identity } from '../identity.js'
import { safeClaims } from './claims.js'
import { ID_TOKEN_TYPES } from './id-token.js'
import { headerType, printableType, refusal, verifyProviderJwt } from './jwt.js'
import { ASYMMETRIC, type Provider } from './provider.js'

/** Verified tokens kept until they expire: a service calling with the same token pays once. */
const CACHE_SIZE = 10_000

/** A verified bearer token: an identity, the token itself, and the keys under which a logout revokes it. */
export interface VerifiedBearer extends Identity {
  readonly token: string
  /** An ID token issued to this client, or a JWT access token for a configured audience. */
  readonly kind: 'id_token' | 'access_token'
  /** Its `exp`, epoch seconds. */
  readonly expiresAt: number
  /** `sid:…` (when it names one), `sub:…` and `tok:<sha-256 of the token>`. */
  readonly revocationKeys: readonly string[]
  /** Its `iat`: a revocation recorded at or after it applies. */
  readonly issuedAt: number
}

/**
 * `Authorization: Bearer <JWT>` for service-to-service calls: an ID token issued to this
 * client, or a JWT access token (RFC 9068 `typ: at+jwt`; `JWT` or untyped with
 * `jwtAccessTokens`) for a configured audience,
 * verified against the provider's JWKS. HS* only when configured (never with a public key:
 * the HMAC key is the client secret). No session is created.
 */
export class BearerVerifier {
  readonly #config: ResolvedConfig
  readonly #cache = new Map<string, VerifiedBearer>()

  constructor(config: ResolvedConfig) {
    this.#config = config
  }

  /** A token verified before and not yet expired: no await, no provider needed. */
  cached(token: string): VerifiedBearer | undefined {
    const cached = this.#cache.get(token)
    if (!cached) return undefined
    if (cached.expiresAt + this.#config.clockTolerance > Date.now() / 1000) return cached
    this.#cache.delete(token)
    return undefined
  }

  /** Drops a token from the cache (it was revoked). */
  forget(token: string): void {
    this.#cache.delete(token)
  }

  async verify(token: string, provider: Provider): Promise<VerifiedBearer> {
    const verified = await this.#verify(token, provider)
    setNewest(this.#cache, token, verified, CACHE_SIZE)
    return verified
  }

  async #verify(token: string, provider: Provider): Promise<VerifiedBearer> {
    const { bearer, clientId, clientSecret, clockTolerance } = this.#config
    const header = headerType(token)
    if ('problem' in header) throw refuse(header.problem)
    // An ID token issued to this client, typed as ID tokens are; or an RFC 9068 access token;
    // or, when the app says so, an access token typed `JWT` or untyped (Keycloak, Entra,
    // Auth0, Okta) whose audience is a configured one and not this client.
    const accessToken =
      header.typ === 'at+jwt' ||
      (bearer.jwtAccessTokens &&
        ID_TOKEN_TYPES.includes(header.typ) &&
        forAnotherAudience(token, bearer.audiences, clientId))
    if (!accessToken && !ID_TOKEN_TYPES.includes(header.typ))
      throw refuse(`tokens of type ${printableType(header.typ!)} are not accepted`)
    if (accessToken && bearer.audiences.length === 0)
      throw refuse(
        'JWT access tokens are not accepted: no audience is configured (bearer.audience / OIDC_BEARER_AUDIENCE)',
      )
    const hmacSecret = bearer.allowHmac ? clientSecret : undefined
    const algorithms = accessToken
      ? ASYMMETRIC
      : provider.idTokenAlgs.filter((alg) => !alg.startsWith('HS') || hmacSecret !== undefined)
    const { payload } = await verifyProviderJwt(token, {
      ...BEARER,
      jwks: provider.publicJwks,
      clientSecret: hmacSecret,
      issuer: provider.issuers,
      audience: accessToken ? bearer.audiences : clientId,
      algorithms,
      clockTolerance,
    })
    if (typeof payload.sub !== 'string' || payload.sub === '') throw refuse('"sub" must be a non-empty string')
    if (payload.events !== undefined) throw refuse('a logout token is not a credential')
    if (!accessToken) {
      if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp === undefined)
        throw refuse('several audiences and no "azp"')
      if (payload.azp !== undefined && payload.azp !== clientId) throw refuse('"azp" is not this client')
    }
    const claims = safeClaims(payload) as Claims & { exp: number; iat: number }
    const sid = claims.sid
    return {
      sub: claims.sub,
      claims,
      token,
      kind: accessToken ? 'access_token' : 'id_token',
      expiresAt: claims.exp,
      revocationKeys: [
        ...(typeof sid === 'string' && sid !== '' ? [`sid:${sid}`] : []),
        `sub:${claims.sub}`,
        tokenRevocationKey(token),
      ],
      issuedAt: claims.iat,
    }
  }
}

/** Whether the (not yet verified) token names a configured audience and not this client: where to route it, never a check. */
function forAnotherAudience(token: string, audiences: readonly string[], clientId: string): boolean {
  let aud: unknown
  try {
    aud = decodeJwt(token).aud
  } catch {
    return false
  }
  const list = Array.isArray(aud) ? aud : [aud]
  return !list.includes(clientId) && list.some((a) => typeof a === 'string' && audiences.includes(a))
}

/** The key that revokes one token (an ID token presented as `id_token_hint` at logout, by a session without `sid`). */
export function tokenRevocationKey(token: string): string {
  return `tok:${createHash('sha256').update(token).digest('base64url')}`
}

/** The type is checked above, where it also says which kind of token this is. */
const BEARER = {
  name: 'bearer token',
  code: 'invalid_token',
  requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
} as const

function refuse(reason: string): OidcError {
  return refusal(BEARER, reason)
}
