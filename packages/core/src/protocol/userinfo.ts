import * as client from 'openid-client'
import type { ResolvedConfig } from '../config/resolve.js'
import { OidcError } from '../errors.js'
import type { Claims } from '../identity.js'
import { safeClaims, withUserInfoClaims } from './claims.js'
import { toOidcError } from './errors.js'
import type { IdTokenClaims } from './id-token.js'
import type { Provider } from './provider.js'

/** The provider's userinfo for `sub`; refused if it is for anyone else. */
export async function fetchUserInfo(provider: Provider, accessToken: string, sub: string): Promise<Claims> {
  let info: client.UserInfoResponse
  try {
    info = await client.fetchUserInfo(provider.client, accessToken, sub)
  } catch (err) {
    throw toOidcError(err, 'invalid_userinfo', 'fetching userinfo')
  }
  if (info.sub !== sub)
    throw new OidcError(
      'invalid_userinfo',
      'The userinfo response is for another user ("sub" differs from the ID token); its claims were refused.',
    )
  return safeClaims(info as Claims)
}

/** With `userInfo`, the provider's userinfo merged over the ID token's claims (same `sub`, or refused). */
export async function withUserInfo(
  config: Pick<ResolvedConfig, 'userInfo'>,
  provider: Provider,
  idClaims: IdTokenClaims,
  accessToken: string | undefined,
): Promise<Claims> {
  if (!config.userInfo || !provider.metadata.userinfo_endpoint || !accessToken) return idClaims
  return withUserInfoClaims(idClaims, await fetchUserInfo(provider, accessToken, idClaims.sub))
}
