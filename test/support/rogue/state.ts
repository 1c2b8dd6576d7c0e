import type { KeyObject } from 'node:crypto'
import type { Behaviour } from './behaviour.js'
import type { RogueKeys } from './keys.js'

export interface IssuedCode {
  redirectUri: string
  nonce: string | undefined
  codeChallenge: string | undefined
  scope: string
  uses: number
}

export interface Grant {
  sub: string
  scope: string
}

export interface RequestCounts {
  discovery: number
  jwks: number
  authorize: number
  token: number
  userinfo: number
  end_session: number
  /** The attacker's JWKS (the foreign key), for jku/x5u-style header tests. */
  foreign_jwks: number
}

/** Everything the endpoints share. */
export interface RogueState {
  readonly issuer: string
  readonly clientId: string
  readonly clientSecret: string
  /** The client's public key, for `private_key_jwt`. */
  readonly clientKey: KeyObject | undefined
  behaviour: Behaviour
  keys: RogueKeys
  readonly codes: Map<string, IssuedCode>
  readonly accessTokens: Map<string, Grant>
  readonly refreshTokens: Map<string, Grant>
  readonly requests: RequestCounts
  /** Query of the last authorization request, for asserting what the RP sent. */
  lastAuthorize: URLSearchParams | undefined
  /** Form of the last token request (client_secret removed). */
  lastTokenRequest: URLSearchParams | undefined
  /** The ID token of the last token response that had one. */
  lastIdToken: string | undefined
  /** How the client authenticated at the last token request that it passed. */
  lastClientAuth: ClientAuthMethod | undefined
}

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'client_secret_jwt' | 'private_key_jwt'

export function zeroCounts(counts: RequestCounts): void {
  for (const key of Object.keys(counts) as (keyof RequestCounts)[]) counts[key] = 0
}
