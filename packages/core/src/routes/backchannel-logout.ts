import { OidcError } from '../errors.js'
import { json, readForm, type HttpRequest, type HttpResponse } from '../http/types.js'
import { idTokenChecks } from '../protocol/id-token.js'
import { LOGOUT_TOKEN_MAX_AGE, verifyLogoutToken } from '../protocol/logout-token.js'
import { now } from '../session/backend.js'
import { revokeBearers } from '../session/revocations.js'
import { emit } from '../events.js'
import type { RouteDeps } from './deps.js'

/** OpenID Connect Back-Channel Logout 1.0: 200 when the sessions are ended; an invalid logout token is `invalid_logout_token` (400). */
export async function backchannelLogout(
  deps: Pick<RouteDeps, 'config' | 'provider' | 'sessions'>,
  request: HttpRequest,
): Promise<HttpResponse> {
  const { config, sessions } = deps
  const token = (await readForm(request)).get('logout_token')
  if (!token) throw new OidcError('invalid_logout_token', 'The request has no logout_token.')
  const provider = await deps.provider.get()
  const claims = await verifyLogoutToken(token, {
    ...idTokenChecks(config, provider),
    jwks: provider.publicJwks,
    expRequired: !config.logoutTokenWithoutExp,
  })
  // The token is spent only once its sessions are ended: when ending them fails (a store
  // outage), the provider gets 503 and its retry with the same token must work. Two
  // deliveries at once both end the same sessions, which is harmless.
  const spent = `jti:${claims.jti}`
  if ((await sessions.revokedAt(spent)) !== undefined)
    throw new OidcError('invalid_logout_token', 'The logout token was refused: its "jti" was already used.')
  const ended = await sessions.endSessions(claims)
  emit(config.observer, {
    type: 'backchannelLogout',
    ...(claims.sub === undefined ? {} : { sub: claims.sub }),
    ...(claims.sid === undefined ? {} : { sid: claims.sid }),
    sessions: ended,
  })
  await revokeBearers(config, sessions, claims.sid !== undefined ? `sid:${claims.sid}` : `sub:${claims.sub}`)
  await sessions.revoke(spent, now(), LOGOUT_TOKEN_MAX_AGE + 2 * config.clockTolerance)
  return json(200, {}, {})
}
