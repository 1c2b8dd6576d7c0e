import { OidcError } from '@oidc-rp/core'
import { importJWK, SignJWT, type JWK as JoseJWK } from 'jose'
import type { JWK } from 'oidc-provider'
import type { DevClient, IssueIdTokenOptions } from './types.js'
import type { UserDirectory } from './users.js'

interface Issuer {
  issuer: string
  keys: JWK[]
  users: UserDirectory
  clients: DevClient[]
  ttl: number
}

/** An ID token as the token endpoint would issue it, signed with the provider's own key. */
export async function issueIdToken(from: Issuer, userId: string, options: IssueIdTokenOptions): Promise<string> {
  const user = from.users.list().find((u) => u.id === userId)
  if (!user) throw new OidcError('invalid_options', `@oidc-rp/testing: no user "${userId}"`)
  const client =
    options.clientId === undefined ? from.clients[0] : from.clients.find((c) => c.clientId === options.clientId)
  if (!client) throw new OidcError('invalid_options', `@oidc-rp/testing: no client "${options.clientId}"`)
  const alg = client.idTokenSigningAlg ?? 'RS256'
  const key =
    alg === 'HS256'
      ? new TextEncoder().encode(client.clientSecret ?? '')
      : await importJWK({ ...signingKey(from.keys, alg) } as JoseJWK, alg)
  const header = alg === 'HS256' ? { alg } : { alg, kid: signingKey(from.keys, alg).kid! }
  return new SignJWT({
    email: user.email,
    email_verified: user.emailVerified ?? true,
    name: user.name,
    preferred_username: user.id,
    groups: [...user.groups],
  })
    .setProtectedHeader(header)
    .setIssuer(from.issuer)
    .setSubject(user.id)
    .setAudience(client.clientId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (options.expiresIn ?? from.ttl))
    .sign(key)
}

function signingKey(keys: JWK[], alg: string): JWK {
  const kty = alg.startsWith('ES') ? 'EC' : alg === 'EdDSA' ? 'OKP' : 'RSA'
  const key = keys.find((k) => k.kty === kty)
  if (!key) throw new TypeError(`@oidc-rp/testing: no ${kty} key for ${alg}`)
  return key
}
