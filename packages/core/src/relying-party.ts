import * as client from 'openid-client'
import { authorize, signedIn } from './authz/guards.js'
import type { OidcOptions } from './config/options.js'
import { resolveConfig, type ResolvedConfig } from './config/resolve.js'
import { OidcContext, type ContextBackend } from './context.js'
import { OidcError } from './errors.js'
import { CookieSigner, readCookies } from './http/cookies.js'
import { escapeHtml, renderPage } from './http/pages.js'
import { comesFrom, header, html, json, readForm, redirect, type HttpRequest, type HttpResponse, type SetCookie } from './http/types.js'
import { bearerChallenge, BearerVerifier, tokenRevocationKey, type VerifiedBearer } from './protocol/bearer.js'
import { safeClaims, withUserInfoClaims } from './protocol/claims.js'
import { providerLogoutUrl } from './protocol/end-session.js'
import { toOidcError } from './protocol/errors.js'
import { verifyIdToken, type IdTokenClaims } from './protocol/id-token.js'
import { LOGOUT_TOKEN_MAX_AGE, verifyLogoutToken } from './protocol/logout-token.js'
import { ProviderDiscovery, type Provider } from './protocol/provider.js'
import { safeReturnTo } from './protocol/return-to.js'
import { LoginTransactions, type Transaction } from './protocol/transaction.js'
import { now, remaining, type Cookies, type SessionBackend } from './session/backend.js'
import { CookieSessions } from './session/cookie-sessions.js'
import { groupsFromClaims, groupsOverage } from './session/groups.js'
import { Refresher } from './session/refresh.js'
import { tokenFields } from './session/refresh-tokens.js'
import { isRevoked, peekRevoked } from './session/revocations.js'
import { StoreSessions } from './session/sessions.js'
import type { Claims, SessionData } from './session/store.js'

/** What `handle()` tells an adapter: the context to put on the request, and/or a response to send instead of the app's. */
export interface HandleResult {
  context?: OidcContext
  response?: HttpResponse
}

/**
 * The framework-neutral relying party. Adapters call `handle()` for every request with a
 * neutral `HttpRequest` and a way to set cookies, then either send `response` or expose
 * `context` and go on to the app. Errors are thrown as `OidcError`.
 */
export class RelyingParty {
  readonly config: ResolvedConfig
  readonly #provider: ProviderDiscovery
  readonly #signer: CookieSigner
  readonly #sessions: SessionBackend
  readonly #refresher: Refresher
  readonly #bearer: BearerVerifier
  readonly #backend: ContextBackend
  readonly #transactions: LoginTransactions
  /** `max_age` when the authorization parameters request one. */
  readonly #maxAge: number | undefined

  constructor(options?: OidcOptions, env?: Record<string, string | undefined>) {
    this.config = resolveConfig(options, env)
    this.#provider = new ProviderDiscovery(this.config)
    this.#signer = new CookieSigner(this.config.secrets)
    this.#sessions = this.config.store ? new StoreSessions(this.config, this.config.store, this.#signer) : new CookieSessions(this.config)
    this.#refresher = new Refresher(this.config, this.#provider, this.#sessions, (provider, claims, accessToken) => this.#withUserInfo(provider, claims, accessToken))
    this.#bearer = new BearerVerifier(this.config)
    this.#transactions = new LoginTransactions(this.config, this.#signer)
    const maxAge = this.config.authorizationParams.max_age
    this.#maxAge = maxAge === undefined ? undefined : Number(maxAge)
    const mount = this.config.baseURL.pathname.replace(/\/$/, '')
    this.#backend = {
      loginPath: mount + this.config.routes.login,
      logoutPath: mount + this.config.routes.logout,
      sessionExpiresAt: (data) => now() + remaining(data, now(), this.config),
      groupsOf: (claims) => groupsFromClaims(claims, this.config.groupsClaim),
      groupsOverage: (claims) => groupsOverage(claims, this.config.groupsClaim),
      warn: (message) => this.config.logger.warn(message),
      refresh: (context) => this.#refreshContext(context),
      fetchUserInfo: (context) => this.#fetchUserInfo(context),
    }
  }

  /**
   * Answers at once, without a promise, when all the request needs is in this process's
   * memory — a bearer token verified before, no session cookie, or a session the store
   * holds here that needs neither a refresh nor a touch — and with a promise otherwise.
   */
  handle(request: HttpRequest, setCookie: SetCookie): HandleResult | Promise<HandleResult> {
    const path = pathOf(request.url)
    const { routes } = this.config
    const method = request.method
    if (path === routes.login && (method === 'GET' || method === 'HEAD')) return this.#login(request, setCookie).then(respond)
    if (path === routes.callback && (method === 'GET' || method === 'POST')) return this.#callback(request, setCookie).then(respond)
    if (path === routes.logout && (method === 'GET' || method === 'POST')) return this.#logout(request, setCookie).then(respond)
    if (path === routes.backchannelLogout && method === 'POST') return this.#backchannelLogout(request).then(respond)

    const bearer = this.config.bearer.enabled ? bearerToken(request) : undefined
    if (bearer !== undefined) {
      const cached = this.#bearer.cached(bearer)
      if (cached && peekRevoked(this.#sessions, cached, this.config.clockTolerance) === false) return this.#bearerContext(cached)
      return this.#verifyBearer(bearer)
    }
    const cookies = readCookies(request)
    const ref = this.#sessions.peek(cookies)
    if (ref === null) return this.#guard(new OidcContext(this.#backend), request)
    const data = ref ? this.#refresher.peekFresh(ref) : undefined
    if (ref && data) return this.#guard(new OidcContext(this.#backend, { via: 'session', data, ref, setCookie }), request)
    return this.#authenticate(cookies, setCookie).then((context) => this.#guard(context, request))
  }

  /**
   * `handle()` for callback-style middleware: `done` gets the result at once when it is in
   * memory, else once it is ready; `fail` gets any error, thrown or rejected.
   */
  handleWith(request: HttpRequest, setCookie: SetCookie, done: (result: HandleResult) => void, fail: (err: unknown) => void): void {
    let result: HandleResult | Promise<HandleResult>
    try {
      result = this.handle(request, setCookie)
    } catch (err) {
      return fail(err)
    }
    if (result instanceof Promise) result.then(done, fail)
    else done(result)
  }

  async #verifyBearer(token: string): Promise<HandleResult> {
    try {
      const verified = this.#bearer.cached(token) ?? await this.#bearer.verify(token, await this.#provider.get())
      if (await isRevoked(this.#sessions, verified, this.config.clockTolerance)) {
        this.#bearer.forget(token)
        throw new OidcError('invalid_token', 'The bearer token was refused: the session it was issued for has been logged out.')
      }
      return this.#bearerContext(verified)
    } catch (err) {
      if (!(err instanceof OidcError) || err.code !== 'invalid_token') throw err
      return { response: json(401, { error: 'invalid_token', message: err.message }, { 'www-authenticate': bearerChallenge(err) }) }
    }
  }

  #bearerContext(verified: VerifiedBearer): HandleResult {
    return { context: new OidcContext(this.#backend, { via: 'bearer', data: verified.data }) }
  }

  /** With `authRequired`, a request not signed in gets the sign-in redirect or a 401 instead of the app. */
  #guard(context: OidcContext, request: HttpRequest): HandleResult {
    const response = this.config.authRequired ? authorize(context, request, signedIn) : undefined
    return response ? { context, response } : { context }
  }

  /** The request's session context (refreshed if its tokens are about to expire), or signed out. */
  async #authenticate(cookies: Cookies, setCookie: SetCookie): Promise<OidcContext> {
    const ref = await this.#sessions.load(cookies, setCookie)
    if (!ref) return new OidcContext(this.#backend)
    const data = await this.#refresher.ensureFresh(ref, setCookie)
    return new OidcContext(this.#backend, data ? { via: 'session', data, ref, setCookie } : undefined)
  }

  async #login(request: HttpRequest, setCookie: SetCookie): Promise<HttpResponse> {
    const provider = await this.#provider.get()
    const query = new URL(request.url, 'http://x').searchParams
    const codeVerifier = client.randomPKCECodeVerifier()
    const tx: Transaction = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier,
      returnTo: safeReturnTo(query.get('returnTo'), this.config.baseURL),
      createdAt: now(),
    }
    const url = client.buildAuthorizationUrl(provider.client, {
      ...this.config.authorizationParams,
      redirect_uri: this.config.redirectUri,
      response_type: 'code',
      scope: provider.scope,
      state: tx.state,
      nonce: tx.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    })
    this.#transactions.start(tx, readCookies(request), setCookie)
    return redirect(url.href)
  }

  async #callback(request: HttpRequest, setCookie: SetCookie): Promise<HttpResponse> {
    const params = new URL(request.url, 'http://x').searchParams
    if (request.method === 'POST') for (const [k, v] of await readForm(request)) params.set(k, v)

    // The transaction is consumed before anything else: its cookie is cleared and its
    // state marked used, whatever happens next, so a callback URL works once.
    const cookies = readCookies(request)
    const tx = await this.#transactions.consume(params.get('state'), cookies, setCookie, (key, ttl) => this.#sessions.consumeOnce(key, ttl))

    const provider = await this.#provider.get()
    // RFC 9207: the response names its issuer, and must when the provider says it does.
    const iss = params.get('iss')
    if (iss !== null ? !provider.issuers.includes(iss) : provider.metadata.authorization_response_iss_parameter_supported === true) {
      throw new OidcError('invalid_callback', `The sign-in response ${iss === null ? 'does not name' : 'names another'} issuer (RFC 9207 "iss" parameter): it may come from a different provider. Start again from the login page.`)
    }
    const currentUrl = new URL(this.config.redirectUri)
    currentUrl.search = params.toString()
    let tokens: client.TokenEndpointResponse
    try {
      tokens = await client.authorizationCodeGrant(provider.client, currentUrl, {
        pkceCodeVerifier: tx.codeVerifier,
        expectedState: tx.state,
        expectedNonce: tx.nonce,
        idTokenExpected: true,
        ...(this.#maxAge === undefined ? {} : { maxAge: this.#maxAge }),
      })
    } catch (err) {
      throw toOidcError(err, 'token_exchange_failed', 'completing the sign-in')
    }
    if (!tokens.id_token) throw new OidcError('invalid_id_token', 'The provider returned no ID token.')
    const idClaims = await verifyIdToken(tokens.id_token, {
      ...this.#idTokenChecks(provider, tx.nonce),
      ...(this.#maxAge === undefined ? {} : { maxAge: this.#maxAge }),
      ...(tokens.access_token === undefined ? {} : { accessToken: tokens.access_token }),
    })
    const claims = await this.#withUserInfo(provider, idClaims, tokens.access_token)

    const t = now()
    const session: SessionData = {
      sub: idClaims.sub,
      claims,
      idToken: tokens.id_token,
      idTokenExpiresAt: idClaims.exp,
      tokensAt: t,
      createdAt: t,
      touchedAt: t,
      ...tokenFields(tokens, t),
    }
    if (typeof idClaims.sid === 'string') session.sid = idClaims.sid
    await this.#sessions.create(session, cookies, setCookie)
    return redirect(tx.returnTo)
  }

  #idTokenChecks(provider: Provider, nonce?: string) {
    return {
      issuer: provider.issuers,
      clientId: this.config.clientId,
      clientSecret: this.config.clientSecret,
      algorithms: provider.idTokenAlgs,
      jwks: provider.jwks,
      clockTolerance: this.config.clockTolerance,
      ...(nonce === undefined ? {} : { nonce }),
    }
  }

  /** With `userInfo`, the provider's userinfo merged over the ID token's claims (same `sub`, or refused). */
  async #withUserInfo(provider: Provider, idClaims: IdTokenClaims, accessToken: string | undefined): Promise<Claims> {
    if (!this.config.userInfo || !provider.metadata.userinfo_endpoint || !accessToken) return idClaims
    return withUserInfoClaims(idClaims, await this.#userInfo(provider, accessToken, idClaims.sub))
  }

  async #userInfo(provider: Provider, accessToken: string, sub: string): Promise<Claims> {
    let info: client.UserInfoResponse
    try {
      info = await client.fetchUserInfo(provider.client, accessToken, sub)
    } catch (err) {
      throw toOidcError(err, 'invalid_userinfo', 'fetching userinfo')
    }
    if (info.sub !== sub) throw new OidcError('invalid_userinfo', 'The userinfo response is for another user ("sub" differs from the ID token); its claims were refused.')
    return safeClaims(info as Claims)
  }

  async #logout(request: HttpRequest, setCookie: SetCookie): Promise<HttpResponse> {
    const ref = await this.#sessions.load(readCookies(request), setCookie)
    // Where to land afterwards: a path of this app, checked like login's returnTo.
    const configured = new URL(this.config.postLogoutRedirectUri)
    const asked = new URL(request.url, 'http://x').searchParams.get('returnTo')
    const returnTo = safeReturnTo(asked, this.config.baseURL, configured.pathname + configured.search)
    // Signing out changes state: a link, image or form on another site must not do it. The
    // browser is asked instead, with a button that posts back from this app's own page.
    if (ref && !comesFrom(request, this.config.baseURL.origin)) {
      return html(200, logoutPage(this.#backend.logoutPath + (asked === null ? '' : `?returnTo=${encodeURIComponent(returnTo)}`)))
    }
    const after = new URL(returnTo, this.config.baseURL.origin).href
    const local = redirect(after)
    if (!ref) return local
    await this.#sessions.destroy(ref, setCookie)
    // Its ID token was sent in logout URLs (id_token_hint): as a bearer token it dies with the session.
    await this.#revokeBearers(ref.data.sid !== undefined ? `sid:${ref.data.sid}` : tokenRevocationKey(ref.data.idToken))
    // The local session is gone whatever happens; the provider's logout is a courtesy
    // that must not keep the user signed in here if the provider is down.
    try {
      const url = await providerLogoutUrl(this.config, () => this.#provider.get(), ref.data.idToken, after)
      return url === undefined ? local : redirect(url)
    } catch (err) {
      if (!(err instanceof OidcError && err.code === 'provider_unavailable')) {
        this.config.logger.error(`the provider's end_session_endpoint is not usable, signed out here only: ${err instanceof Error ? err.message : String(err)}`)
      }
      return local
    }
  }

  /** With bearer tokens on, those issued for the ended session (`sid:`), user (`sub:`) or token (`tok:`) are refused from now on, by every process sharing the store. */
  async #revokeBearers(key: string): Promise<void> {
    if (this.config.bearer.enabled) await this.#sessions.revoke(key, now(), this.config.absoluteTimeout)
  }

  /** OpenID Connect Back-Channel Logout 1.0: 200 when the sessions are ended, 400 for any invalid logout token. */
  async #backchannelLogout(request: HttpRequest): Promise<HttpResponse> {
    const token = (await readForm(request)).get('logout_token')
    try {
      if (!token) throw new OidcError('invalid_logout_token', 'The request has no logout_token.')
      const provider = await this.#provider.get()
      const claims = await verifyLogoutToken(token, { ...this.#idTokenChecks(provider), jwks: provider.publicJwks })
      // The token is spent only once its sessions are ended: when ending them fails (a store
      // outage), the provider gets 503 and its retry with the same token must work. Two
      // deliveries at once both end the same sessions, which is harmless.
      const spent = `jti:${claims.jti}`
      if ((await this.#sessions.revokedAt(spent)) !== undefined) throw new OidcError('invalid_logout_token', 'The logout token was refused: its "jti" was already used.')
      await this.#sessions.endSessions(claims)
      await this.#revokeBearers(claims.sid !== undefined ? `sid:${claims.sid}` : `sub:${claims.sub}`)
      await this.#sessions.revoke(spent, now(), LOGOUT_TOKEN_MAX_AGE + 2 * this.config.clockTolerance)
      return json(200, {}, {})
    } catch (err) {
      if (!(err instanceof OidcError) || err.code !== 'invalid_logout_token') throw err
      return json(400, { error: 'invalid_request', error_description: err.message })
    }
  }

  async #refreshContext(context: OidcContext): Promise<void> {
    const principal = context.principal
    if (principal?.via !== 'session' || !principal.ref || !principal.setCookie) {
      throw new OidcError('unauthenticated', 'There is no session to refresh: sign in first (bearer tokens are not refreshed here).')
    }
    context.replaceSession(await this.#refresher.refresh(principal.ref, principal.setCookie))
  }

  async #fetchUserInfo(context: OidcContext): Promise<Claims> {
    const data = context.principal?.data
    if (!data?.accessToken) throw new OidcError('unauthenticated', 'There is no access token to call userinfo with: sign in first.')
    return this.#userInfo(await this.#provider.get(), data.accessToken, data.sub)
  }
}


const respond = (response: HttpResponse): HandleResult => ({ response })

function logoutPage(logoutPath: string): string {
  return renderPage({
    status: 'Sign out',
    title: 'Sign out?',
    body: `<p>A page on another site asked to sign you out of this app.</p>
<form method="post" action="${escapeHtml(logoutPath)}"><button type="submit">Sign out</button></form>
<p><a href="/">Stay signed in</a></p>`,
  })
}

function pathOf(url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

/** The credentials of `Authorization: Bearer ...`, whatever they look like (a malformed token is refused, not ignored). */
function bearerToken(request: HttpRequest): string | undefined {
  const value = header(request, 'authorization')
  return value !== undefined && /^bearer\s/i.test(value) ? value.slice(7).trim() : undefined
}
