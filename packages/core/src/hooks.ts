/**
 * The app's say at sign-in and refresh: `onSignIn` and `onRefresh` see the verified claims
 * and the tokens, and return the claims to keep or refuse with a reason the user is shown.
 */
import { inspect } from 'node:util'
import type { HttpRequest } from './http/types.js'
import { ID_TOKEN_ONLY, type Claims } from './identity.js'
import { OidcError, SignInRefused } from './errors.js'

/** The tokens of a token endpoint response. They can be used (e.g. to call an API), never logged: printing this object shows no value. */
export class HookTokens {
  readonly #tokens: TokenValues

  /** @internal */
  constructor(tokens: TokenValues) {
    this.#tokens = tokens
  }

  get accessToken(): string | undefined {
    return this.#tokens.accessToken
  }

  get idToken(): string | undefined {
    return this.#tokens.idToken
  }

  get refreshToken(): string | undefined {
    return this.#tokens.refreshToken
  }

  /** e.g. `Bearer`. */
  get tokenType(): string | undefined {
    return this.#tokens.tokenType
  }

  /** Seconds the access token lives, as the provider said. */
  get expiresIn(): number | undefined {
    return this.#tokens.expiresIn
  }

  /** The scope granted, when the provider said. */
  get scope(): string | undefined {
    return this.#tokens.scope
  }

  toJSON(): string {
    return '[tokens redacted]'
  }

  [inspect.custom](): string {
    return 'HookTokens [redacted]'
  }
}

/** @internal What `HookTokens` is made of. */
export interface TokenValues {
  accessToken?: string | undefined
  idToken?: string | undefined
  refreshToken?: string | undefined
  tokenType?: string | undefined
  expiresIn?: number | undefined
  scope?: string | undefined
}

/** The request a hook runs for (the callback), as the core sees it. */
export type HookRequest = Readonly<Pick<HttpRequest, 'method' | 'url' | 'headers'>>

/** What `onSignIn` is given. */
export interface SignInContext {
  /** The verified claims (ID token, merged with userinfo when `userInfo` is on), `sub` at the top level. */
  readonly claims: Readonly<Claims>
  /** The token response of the code exchange: usable, never printed. */
  readonly tokens: HookTokens
  /** The callback request. */
  readonly request: HookRequest
}

/** What `onRefresh` is given. */
export interface RefreshContext {
  /**
   * The renewed claims: the new ID token's (merged with userinfo when on), or when the
   * provider sent no new ID token, the session's as they were.
   */
  readonly claims: Readonly<Claims>
  /** The session's claims before this refresh: what `onSignIn` (or the last `onRefresh`) kept. */
  readonly previous: Readonly<Claims>
  /** Whether the provider sent a new ID token. */
  readonly idTokenRenewed: boolean
  /** The renewed tokens: usable, never printed. */
  readonly tokens: HookTokens
}

/** A hook's answer: the claims to keep, a refusal, or nothing (keep `claims` as they are). */
export type HookResult = Claims | SignInRefused | undefined | void

/**
 * `onSignIn`: runs at every sign-in after every check and before the session is written.
 *
 * @example
 * ```ts
 * import { refuse, type OnSignIn } from '@oidc-rp/core'
 *
 * const rolesOf = async (sub: string): Promise<string[]> => (sub === 'alice' ? ['admin'] : [])
 *
 * export const onSignIn: OnSignIn = async ({ claims }) => {
 *   if (claims.email_verified === false)
 *     return refuse('email_unverified', `Verify your email address ${String(claims.email)} first.`)
 *   return { ...claims, roles: await rolesOf(claims.sub) }
 * }
 * ```
 */
export type OnSignIn = (context: SignInContext) => HookResult | Promise<HookResult>

/**
 * `onRefresh`: runs after every successful refresh, before the renewed session is saved.
 * A refusal ends the session. It is the place for claims sent by reference, such as
 * Entra ID's groups overage (`_claim_names`/`_claim_sources`), fetched with the access token.
 *
 * @example
 * ```ts
 * import type { OnRefresh } from '@oidc-rp/core'
 *
 * // Keep the roles the sign-in hook added; the provider's claims are renewed.
 * export const onRefresh: OnRefresh = ({ claims, previous }) => ({ ...claims, roles: previous.roles })
 * ```
 */
export type OnRefresh = (context: RefreshContext) => HookResult | Promise<HookResult>

/**
 * Refuses the sign-in from `onSignIn` (or ends the session from `onRefresh`).
 *
 * @param reason - a short code for logs, events and JSON: letters, digits, `_`, `-`, `.`
 * @param message - what the user is shown
 */
export function refuse(reason: string, message: string): SignInRefused {
  if (typeof reason !== 'string' || !/^[\w.-]{1,64}$/.test(reason))
    throw new OidcError(
      'misconfigured',
      `refuse(reason, message): the reason must be a short code such as email_unverified`,
    )
  if (typeof message !== 'string' || message === '')
    throw new OidcError(
      'misconfigured',
      'refuse(reason, message): the message, shown to the user, must be a non-empty string',
    )
  return new SignInRefused(reason, message)
}

/**
 * Claims about the authentication rather than the user: a hook can add, change and remove
 * claims, never these, which are always the verified token's (removed ones come back, new
 * values are ignored). Sessions and refreshes depend on them (`sub`, `iss`, `aud`, `sid`,
 * `auth_time`, `acr`...). The same as userinfo cannot replace.
 */
export const PROTECTED_CLAIMS: readonly string[] = ID_TOKEN_ONLY

/**
 * A hook's answer, checked: the claims to keep (protected claims restored from `verified`),
 * or the refusal thrown. `changed` lists protected claims the hook tried to change.
 */
export function keptClaims(hook: string, verified: Claims, result: unknown): { claims: Claims; changed: string[] } {
  if (result instanceof SignInRefused) throw result
  if (result === undefined) return { claims: verified, changed: [] }
  if (typeof result !== 'object' || result === null || Array.isArray(result))
    throw new OidcError('misconfigured', `${hook} must return the claims to keep (an object), refuse(...), or nothing.`)
  let claims: Record<string, unknown>
  try {
    // Plain JSON, as sessions are stored: no functions, dates as strings, no prototypes.
    claims = JSON.parse(JSON.stringify(result)) as Record<string, unknown>
  } catch {
    throw new OidcError('misconfigured', `${hook} returned claims that are not JSON (a cycle, or a BigInt).`)
  }
  const changed: string[] = []
  for (const name of PROTECTED_CLAIMS) {
    if (name in claims && claims[name] !== undefined && JSON.stringify(claims[name]) !== JSON.stringify(verified[name]))
      changed.push(name)
    if (verified[name] === undefined) delete claims[name]
    else claims[name] = verified[name]
  }
  for (const key of ['__proto__', 'constructor', 'prototype']) delete claims[key]
  return { claims: claims as Claims, changed }
}
