/** The checked, frozen configuration the core runs on (what `resolveConfig()` answers). */
import type { ErrorHandling } from '../errors.js'
import type { Observer } from '../events.js'
import type { Fetch } from '../http/outbound.js'
import type { OnRefresh, OnSignIn } from '../hooks.js'
import type { SessionStore } from '../store.js'
import type { ClientCredentials } from './client-credentials.js'
import type { CookieOptions, Logger, Routes } from './options.js'

/** The checked, frozen configuration the core runs on. */
export interface ResolvedConfig {
  readonly issuer: URL
  readonly clientId: string
  readonly clientSecret: string | undefined
  /** How the client authenticates at the token endpoint (method chosen at discovery when unset). */
  readonly clientAuth: ClientCredentials
  readonly baseURL: URL
  readonly secrets: readonly string[]
  readonly scope: string
  readonly groupsClaim: string
  readonly authRequired: boolean
  readonly clockTolerance: number
  readonly httpTimeout: number
  readonly idTokenSigningAlgs: readonly string[] | undefined
  readonly authorizationParams: Readonly<Record<string, string>>
  readonly routes: Readonly<Routes>
  /** Built-in routes turned off (`routes: { login: false }`): the app answers them. */
  readonly routesOff: readonly (keyof Routes)[]
  /** Authorization parameters a browser may pass through `/login?…`. */
  readonly loginParams: readonly string[]
  /** Cookie prefix, path, domain and the session cookie's SameSite. */
  readonly cookies: Readonly<CookieScope>
  readonly redirectUri: string
  readonly postLogoutRedirectUri: string
  /** Whether logout also ends the provider's session (RP-Initiated Logout or `logoutUrl`). */
  /** Tenant ids whose tokens a multi-tenant provider (Entra ID `common`) may issue. */
  readonly allowedTenants: readonly string[] | undefined
  readonly idpLogout: boolean
  /** The provider's logout URL, with placeholders, for providers that advertise no `end_session_endpoint`. */
  readonly logoutUrl: string | undefined
  readonly secure: boolean
  /** The app's session store; undefined with stateless (cookie) sessions, or for the default (an in-process `MemoryStore`). */
  readonly store: SessionStore | undefined
  readonly stateless: boolean
  readonly bearer: Readonly<{
    enabled: boolean
    audiences: readonly string[]
    allowHmac: boolean
    jwtAccessTokens: boolean
  }>
  readonly userInfo: boolean
  readonly logoutTokenWithoutExp: boolean
  readonly idleTimeout: number
  readonly absoluteTimeout: number
  readonly logger: Logger
  /** Every request to the provider goes through it (a proxy, when the environment names one). */
  readonly fetch: Fetch
  readonly onSignIn: OnSignIn | undefined
  readonly onRefresh: OnRefresh | undefined
  /** Events and the `debug` trace. */
  readonly observer: Observer
  readonly errorHandling: ErrorHandling
  /** `NODE_ENV=production`: error pages give a reference, not what to fix. */
  readonly production: boolean
}

/** `cookies`, resolved. */
export type CookieScope = Required<Omit<CookieOptions, 'domain'>> & { domain: string | undefined }
