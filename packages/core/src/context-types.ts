/** The shapes `OidcContext` works with: its dependencies, who a request is, the access token, login and logout options. */
import type { ResolvedConfig } from './config/resolve.js'
import type { CookieSigner } from './http/cookies.js'
import type { SetCookie } from './http/types.js'
import type { VerifiedBearer } from './protocol/bearer.js'
import type { ProviderDiscovery } from './protocol/provider.js'
import type { LoginTransactions } from './protocol/transaction.js'
import type { SessionBackend, SessionRef } from './session/backend.js'
import type { Refresher } from './session/refresh.js'

export interface AccessToken {
  value: string
  /** e.g. `Bearer`. */
  type: string
  /** Epoch seconds, when the provider said. */
  expiresAt: number | undefined
}

/** Who a request is: a service presenting a bearer token (an identity), or a browser session (which has one). */
export type Principal =
  | { readonly via: 'bearer'; readonly identity: VerifiedBearer }
  | { readonly via: 'session'; readonly session: SessionRef; readonly setCookie: SetCookie }

/** What request contexts work with: made once by the relying party, shared by all its contexts. */
export interface ContextDeps {
  readonly config: ResolvedConfig
  readonly provider: ProviderDiscovery
  readonly refresher: Refresher
  readonly loginPath: string
  readonly logoutPath: string
  readonly sessions: SessionBackend
  readonly transactions: LoginTransactions
  readonly signer: CookieSigner
  /** Name of the cookie that says a silent sign-in was tried in this browser session. */
  readonly silentCookie: string
}

/**
 * `oidc.login()`: where to come back and what to ask the provider.
 *
 * @example
 * ```ts
 * import type { LoginOptions } from '@oidc-rp/core'
 *
 * export const again: LoginOptions = { returnTo: '/account', authorizationParams: { prompt: 'login' } }
 * ```
 */
export interface LoginOptions {
  /** A path of this app to come back to (checked: same origin only). Default `/`. */
  returnTo?: string
  /** Sent to the provider (`prompt`, `login_hint`, `acr_values`, `max_age`...); never `state`, `nonce`, PKCE, `redirect_uri`, `scope`. */
  authorizationParams?: Record<string, string | number | boolean>
}

/**
 * `oidc.logout()`: where to land, and whether the provider's session ends too.
 *
 * @example
 * ```ts
 * import type { LogoutOptions } from '@oidc-rp/core'
 *
 * export const here: LogoutOptions = { returnTo: '/goodbye', idpLogout: false }
 * ```
 */
export interface LogoutOptions {
  /** A path of this app to land on (checked: same origin only). Default: `postLogoutRedirect`. */
  returnTo?: string
  /** End the provider's session too. Default: the `idpLogout` option. */
  idpLogout?: boolean
}
