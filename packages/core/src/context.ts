/** The request context every adapter exposes (`req.oidc`): who is signed in, their tokens, login and logout. */
import { encodeAsked } from './protocol/transaction.js'
import { OidcError, type ErrorHandling, type StepUp } from './errors.js'
import { readCookies } from './http/cookies.js'
import { isBrowserNavigation, redirect, type HttpRequest, type HttpResponse, type SetCookie } from './http/types.js'
import { safeReturnTo } from './protocol/return-to.js'
import { ASKED_PARAM, codeParams, startLogin } from './routes/login.js'
import { endSession } from './routes/logout.js'
import type { Claims } from './identity.js'
import { fetchUserInfo } from './protocol/userinfo.js'
import { now, remaining } from './session/backend.js'
import { groupsFromClaims, groupsOverage } from './session/groups.js'
import type { AccessToken, ContextDeps, LoginOptions, LogoutOptions, Principal } from './context-types.js'
import { userClaims } from './user-claims.js'

/**
 * The claims an app knows its provider sends, for `user`: empty here, widened by module
 * augmentation (add `@oidc-rp/core` to the app's dependencies to name it).
 *
 * @example
 * ```ts
 * import type { OidcContext } from '@oidc-rp/core'
 *
 * declare module '@oidc-rp/core' {
 *   interface UserClaims {
 *     email: string
 *     name: string
 *   }
 * }
 *
 * export function greeting(oidc: OidcContext): string {
 *   return oidc.isAuthenticated() ? `Hello ${oidc.user.name} <${oidc.user.email}>` : 'Hello'
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface UserClaims {}

/** The signed-in user: the claims every provider sends (`sub`), those the app declared, and any others. */
export type User = Claims & UserClaims

/**
 * What every adapter puts on the request (`req.oidc`, `request.oidc`, `ctx.state.oidc`):
 * the same names and behaviour in every framework.
 */
export class OidcContext {
  readonly #deps: ContextDeps
  #principal: Principal | undefined
  readonly #request: HttpRequest | undefined
  readonly #setCookie: SetCookie | undefined
  #groups: string[] | undefined
  #user: User | undefined

  /** @internal Adapters get contexts from `RelyingParty.handle()`. */
  constructor(deps: ContextDeps, principal?: Principal, request?: HttpRequest, setCookie?: SetCookie) {
    this.#deps = deps
    this.#principal = principal
    this.#request = request
    this.#setCookie = setCookie
  }

  /** Signed in (a session or a bearer token); narrows `user` to be there. */
  isAuthenticated(): this is this & { readonly user: User } {
    return this.#principal !== undefined
  }

  /** How the request was authenticated: a session cookie or a bearer token. */
  get authenticatedBy(): 'session' | 'bearer' | undefined {
    return this.#principal?.via
  }

  /** The signed-in user's claims (`sub` at the top level, protocol claims left out), or undefined. */
  get user(): User | undefined {
    const claims = this.#claims()
    if (!claims) return undefined
    return (this.#user ??= userClaims(claims))
  }

  /** Groups from the configured claim path (default `groups`); empty when signed out. */
  get groups(): string[] {
    const claims = this.#claims()
    if (!claims) return []
    return (this.#groups ??= groupsFromClaims(claims, this.#deps.config.groupsClaim))
  }

  /**
   * True when the provider sent no groups because there are too many, and named where to
   * fetch them instead (`_claim_names`/`_claim_sources`: Entra ID past 200 groups). The
   * app can resolve them itself (e.g. from Microsoft Graph with the access token).
   */
  get groupsOverage(): boolean {
    const claims = this.#claims()
    return claims !== undefined && groupsOverage(claims, this.#deps.config.groupsClaim)
  }

  /** @internal How guards answer a denial (`errorHandling`, `renderError`). */
  get errorHandling(): ErrorHandling {
    return this.#deps.config.errorHandling
  }

  /** @internal Guards log through the relying party's logger. */
  warn(message: string): void {
    this.#deps.config.logger.warn(message)
  }

  get idToken(): string | undefined {
    const p = this.#principal
    if (p?.via === 'bearer') return p.identity.kind === 'id_token' ? p.identity.token : undefined
    return p?.session.data.idToken || undefined
  }

  get accessToken(): AccessToken | undefined {
    const p = this.#principal
    if (p?.via === 'bearer')
      return p.identity.kind === 'access_token'
        ? { value: p.identity.token, type: 'Bearer', expiresAt: p.identity.expiresAt }
        : undefined
    const s = p?.session.data
    return s?.accessToken === undefined
      ? undefined
      : { value: s.accessToken, type: s.tokenType ?? 'Bearer', expiresAt: s.accessTokenExpiresAt }
  }

  /** Epoch seconds at which the ID token expires (a bearer token: at which it expires). */
  get idTokenExpiresAt(): number | undefined {
    const p = this.#principal
    return p?.via === 'bearer' ? p.identity.expiresAt : p?.session.data.idTokenExpiresAt
  }

  /** Epoch seconds at which the session ends unless used again (idle timeout) and at the latest (absolute timeout); undefined for bearer tokens. */
  get sessionExpiresAt(): number | undefined {
    const p = this.#principal
    return p?.via === 'session' ? now() + remaining(p.session.data, now(), this.#deps.config) : undefined
  }

  /** Refreshes the tokens now, whatever their expiry. Rejects with an `OidcError` when it cannot. */
  async refresh(): Promise<void> {
    const p = this.#principal
    if (p?.via !== 'session')
      throw new OidcError(
        'unauthenticated',
        'There is no session to refresh: sign in first (bearer tokens are not refreshed here).',
      )
    p.session.data = await this.#deps.refresher.refresh(p.session, p.setCookie)
    this.#groups = undefined
    this.#user = undefined
  }

  /** The provider's userinfo for this user; refused if its `sub` is not the session's. */
  async fetchUserInfo(): Promise<Claims> {
    const p = this.#principal
    const accessToken =
      p?.via === 'bearer'
        ? p.identity.kind === 'access_token'
          ? p.identity.token
          : undefined
        : p?.session.data.accessToken
    if (!p || !accessToken)
      throw new OidcError('unauthenticated', 'There is no access token to call userinfo with: sign in first.')
    return fetchUserInfo(
      await this.#deps.provider.get(),
      accessToken,
      p.via === 'bearer' ? p.identity.sub : p.session.data.sub,
    )
  }

  /** Epoch seconds at which the user last authenticated at the provider (`auth_time`), when it said. */
  get authTime(): number | undefined {
    const t = this.#claims()?.auth_time
    return typeof t === 'number' ? t : undefined
  }

  /** The authentication context class of the sign-in (`acr`), when the provider said. */
  get acr(): string | undefined {
    const acr = this.#claims()?.acr
    return typeof acr === 'string' ? acr : undefined
  }

  /** @internal Guards compare times with the relying party's tolerance. */
  get clockTolerance(): number {
    return this.#deps.config.clockTolerance
  }

  /**
   * Starts a sign-in and resolves to the provider URL to redirect the browser to (the
   * login-transaction cookie is set on this response): for an app's own `/login` route.
   *
   * @example
   * ```ts
   * import type { OidcContext } from '@oidc-rp/core'
   *
   * export async function signInAgain(oidc: OidcContext, redirect: (url: string) => void): Promise<void> {
   *   redirect(await oidc.login({ returnTo: '/settings', authorizationParams: { prompt: 'login' } }))
   * }
   * ```
   */
  async login(options: LoginOptions = {}): Promise<string> {
    const { request, setCookie } = this.#exchange('login')
    return startLogin(this.#deps, readCookies(request), setCookie, {
      returnTo: options.returnTo ?? '/',
      params: codeParams(options.authorizationParams),
    })
  }

  /**
   * Ends the session and resolves to the URL to redirect the browser to: the provider's
   * logout (with `idpLogout`), else `returnTo`. For an app's own logout route; make it a POST
   * or check where the request comes from, as the built-in one does (a link on another
   * site must not sign users out).
   *
   * @example
   * ```ts
   * import type { OidcContext } from '@oidc-rp/core'
   *
   * export async function signOut(oidc: OidcContext, redirect: (url: string) => void): Promise<void> {
   *   redirect(await oidc.logout({ returnTo: '/', idpLogout: false }))
   * }
   * ```
   */
  async logout(options: LogoutOptions = {}): Promise<string> {
    const { setCookie } = this.#exchange('logout')
    const { config } = this.#deps
    const configured = new URL(config.postLogoutRedirectUri)
    const returnTo = safeReturnTo(options.returnTo, config.baseURL, configured.pathname + configured.search)
    if (options.idpLogout !== undefined && typeof options.idpLogout !== 'boolean')
      throw new OidcError('misconfigured', 'logout(): idpLogout must be true or false.')
    const p = this.#principal
    const ref = p?.via === 'session' ? p.session : undefined
    this.#principal = undefined
    this.#groups = undefined
    this.#user = undefined
    return endSession(this.#deps, ref, setCookie, returnTo, options.idpLogout ?? config.idpLogout)
  }

  /** @internal `attemptSilentLogin()`: an anonymous browser navigation, not tried yet in this browser session, is sent to try. */
  silentLogin(request: HttpRequest): HttpResponse | undefined {
    if (!isBrowserNavigation(request) || readCookies(request)[this.#deps.silentCookie] !== undefined) return undefined
    const returnTo = request.originalUrl ?? request.url
    return redirect(
      `${this.loginUrl(returnTo)}&${ASKED_PARAM}=${encodeURIComponent(encodeAsked(this.#deps.signer, { silent: true }))}`,
    )
  }

  /** The path that signs in and comes back to `returnTo` (a path of this app); with what a step-up guard asks. */
  loginUrl(returnTo?: string, stepUp?: StepUp): string {
    const url =
      returnTo === undefined ? this.#deps.loginPath : `${this.#deps.loginPath}?returnTo=${encodeURIComponent(returnTo)}`
    if (stepUp === undefined) return url
    const asked = encodeAsked(this.#deps.signer, {
      ...(stepUp.maxAge === undefined ? {} : { maxAge: stepUp.maxAge }),
      ...(stepUp.acr === undefined ? {} : { acr: [...stepUp.acr] }),
    })
    return `${url}${returnTo === undefined ? '?' : '&'}${ASKED_PARAM}=${encodeURIComponent(asked)}`
  }

  logoutUrl(): string {
    return this.#deps.logoutPath
  }

  #exchange(what: string): { request: HttpRequest; setCookie: SetCookie } {
    const request = this.#request
    const setCookie = this.#setCookie
    if (request === undefined || setCookie === undefined)
      throw new OidcError('misconfigured', `${what}() needs the request it was called for: call it on req.oidc.`)
    return { request, setCookie }
  }

  #claims(): Claims | undefined {
    const p = this.#principal
    return p === undefined ? undefined : p.via === 'bearer' ? p.identity.claims : p.session.data.claims
  }
}
