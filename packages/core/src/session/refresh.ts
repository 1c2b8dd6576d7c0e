import { setNewest } from '../bounded-map.js'
import type { ResolvedConfig } from '../config/resolve.js'
import { OidcError } from '../errors.js'
import type { SetCookie } from '../http/types.js'
import type { ProviderDiscovery } from '../protocol/provider.js'
import { now, remaining, type SessionBackend, type SessionRef } from './backend.js'
import { BackOff, expired, needsRefresh, TIMED_OUT, within } from './refresh-schedule.js'
import { renewedData, requestTokens, withRenewedIdToken, type RenewDeps } from './refresh-tokens.js'
import { refreshed, refreshedClaims, refreshFailed } from './refresh-hook.js'
import { backingOff, ended, isOidc } from './refresh-failures.js'
import type { SessionData } from '../store.js'

/**
 * Milliseconds a request of a stateless session whose tokens are still valid waits for their
 * refresh: only its response can carry the renewed session (see `ensureFresh`).
 */
const STATELESS_WAIT = 1000
/** Seconds a refresh is remembered by the refresh token it used up (server-side sessions). */
const RECENT = 60
/** Refreshes remembered at most (the oldest are forgotten first). */
const MAX_RECENT = 10_000
/**
 * Milliseconds a renewed session whose save failed on the store is saved again, under the
 * session's lock (a Redis failover takes a few seconds), and the pause between attempts.
 */
const SAVE_RETRY_MS = 15_000
const SAVE_PAUSE_MS = 250

const noCookies: SetCookie = () => undefined

/**
 * Refresh-token rotation that never logs anyone out by a race, and that costs requests as
 * little as it can:
 * - single-flight: concurrent requests of one session share one token-endpoint call, and
 *   the session is re-read (under the store's lock) before refreshing, so that a refresh
 *   done elsewhere is used instead of repeated;
 * - a session whose tokens are still valid is served at once and refreshed in the
 *   background; only expired tokens make a request wait, for at most `httpTimeout`;
 * - after a failure, no new attempt before the back-off (`BackOff`) allows one;
 * - an attempt is never abandoned: it has its own, longer timeout, and its answer is saved
 *   unless the session ended meanwhile (a logout), which it never brings back.
 */
export class Refresher {
  readonly #deps: RenewDeps
  readonly #config: ResolvedConfig
  readonly #provider: ProviderDiscovery
  readonly #sessions: SessionBackend
  readonly #inflight = new Map<string, Promise<SessionData>>()
  readonly #backOff = new BackOff()
  /**
   * Refreshes by session id and the refresh token they used up. A request may still carry a
   * session read before a refresh (a stateless session's cookie, a store's read cache); it
   * gets the refreshed session instead of presenting a used refresh token (which providers
   * with reuse detection answer by revoking the whole grant). Stateless sessions are kept
   * until their next response has written them, within their idle timeout.
   */
  readonly #recent = new Map<string, { usedToken: string; data: SessionData; until: number }>()

  constructor(config: ResolvedConfig, provider: ProviderDiscovery, sessions: SessionBackend) {
    this.#config = config
    this.#provider = provider
    this.#sessions = sessions
    this.#deps = { config, sessions }
  }

  /**
   * The session's data, refreshed first when its tokens are expired. Tokens due but still
   * valid are served as they are and refreshed in the background (stateless sessions wait
   * up to a second, since only a response can save them). A refused refresh token ends the
   * session (undefined: signed out). A provider that cannot be reached, or does not answer
   * within `httpTimeout`, ends nothing: 503 with Retry-After, the session kept.
   */
  async ensureFresh(ref: SessionRef, setCookie: SetCookie): Promise<SessionData | undefined> {
    const t = now()
    if (!needsRefresh(ref.data, t)) return ref.data
    const recent = this.#recentFor(ref.id, ref.data)
    if (recent !== undefined) {
      ref.data = recent
      // Server-side sessions hold it already; a stateless one is saved by this response.
      if (this.#sessions.stateless && !(await this.#sessions.save(ref, setCookie))) return undefined
      if (!needsRefresh(recent, t)) return recent
    }
    const flight = this.#start(ref, false)
    if (!expired(ref.data, t)) {
      if (typeof flight === 'number' || !this.#sessions.stateless) return ref.data
      const answer = await this.#await(ref, setCookie, flight, STATELESS_WAIT).catch((err: unknown) =>
        isOidc(err, 'session_ended') ? undefined : ref.data,
      )
      return answer === TIMED_OUT ? ref.data : answer
    }
    if (typeof flight === 'number') throw backingOff(flight)
    const answer = await this.#await(ref, setCookie, flight, this.#config.httpTimeout * 1000)
    if (answer === TIMED_OUT)
      throw new OidcError(
        'provider_unavailable',
        'The provider is taking too long to renew the session; try again shortly.',
      )
    return answer
  }

  /**
   * What `ensureFresh` answers when it can tell without waiting: a server-side session whose
   * tokens need no refresh, or are due but still valid (then refreshed in the background).
   * Undefined: only `ensureFresh` can tell. Costs a valid session nothing it did not before.
   */
  peekFresh(ref: SessionRef): SessionData | undefined {
    const t = now()
    if (!needsRefresh(ref.data, t)) return ref.data
    if (this.#sessions.stateless || expired(ref.data, t) || this.#recentFor(ref.id, ref.data) !== undefined)
      return undefined
    void this.#start(ref, false) // its outcome is handled in #start
    return ref.data
  }

  /**
   * `req.oidc.refresh()`: renews now, sharing a refresh already in flight; during a
   * back-off, 503. Waits at most `httpTimeout` (the attempt goes on and is saved).
   */
  async refresh(ref: SessionRef, setCookie: SetCookie): Promise<SessionData> {
    const flight = this.#start(ref, true)
    if (typeof flight === 'number') throw backingOff(flight)
    const answer = await this.#await(ref, setCookie, flight, this.#config.httpTimeout * 1000)
    if (answer === TIMED_OUT)
      throw new OidcError(
        'provider_unavailable',
        'The provider is taking too long to renew the session; try again shortly.',
      )
    if (answer === undefined) throw new OidcError('session_ended', 'The session has ended: sign in again.')
    return answer
  }

  /**
   * The session's refresh in flight, a new one, or the milliseconds of back-off before one
   * may start. Its outcome feeds the back-off; its errors are handled here (logged), so a
   * refresh that nobody awaits never becomes an unhandled rejection.
   */
  #start(ref: SessionRef, force: boolean): Promise<SessionData> | number {
    const pending = this.#inflight.get(ref.id)
    if (pending) return pending
    const wait = this.#backOff.wait(ref.id, Date.now())
    if (wait > 0) return wait
    // Its own ref: the request's is handed to the app, and may be long gone when this ends.
    const own: SessionRef = { id: ref.id, data: ref.data }
    const flight = this.#sessions.withLock(ref.id, () => this.#refresh(own, force))
    this.#inflight.set(ref.id, flight)
    flight
      .then(
        () => this.#backOff.succeeded(ref.id),
        (err: unknown) => {
          refreshFailed(this.#deps, own.data, err)
          this.#failed(ref.id, err)
        },
      )
      .finally(() => this.#inflight.delete(ref.id))
    return flight
  }

  #failed(id: string, err: unknown): void {
    if (isOidc(err, 'provider_unavailable')) return this.#backOff.failed(id, Date.now(), true)
    if (isOidc(err, 'session_busy')) {
      this.#config.logger.warn(`refresh skipped, session kept: ${(err as Error).message}`)
      return this.#backOff.failed(id, Date.now(), false)
    }
    if (isOidc(err, 'session_ended')) return this.#backOff.succeeded(id)
    this.#backOff.settled()
    // A store failure is logged by the store's wrapper; anything else unexpected here.
    if (!isOidc(err, 'store_unavailable'))
      this.#config.logger.error(`refresh failed, session kept: ${err instanceof Error ? err.message : String(err)}`)
  }

  /**
   * Waits for the flight up to `ms`: its data (which a stateless session saves in this
   * response's cookies), undefined when the session ended (its cookie cleared), or TIMED_OUT.
   */
  async #await(
    ref: SessionRef,
    setCookie: SetCookie,
    flight: Promise<SessionData>,
    ms: number,
  ): Promise<SessionData | undefined | typeof TIMED_OUT> {
    let data: SessionData | typeof TIMED_OUT
    try {
      data = await within(flight, ms)
    } catch (err) {
      if (!isOidc(err, 'session_ended')) throw err
      await this.#sessions.destroy(ref, setCookie)
      return undefined
    }
    if (data === TIMED_OUT) return data
    ref.data = data
    if (this.#sessions.stateless && !(await this.#sessions.save(ref, setCookie))) return undefined
    return data
  }

  async #refresh(ref: SessionRef, force: boolean): Promise<SessionData> {
    const current = await this.#sessions.reload(ref)
    if (!current) throw new OidcError('session_ended', 'The session has ended: sign in again.')
    const recent = this.#recentFor(ref.id, current)
    if (recent !== undefined) {
      // Refreshed here, but the store lost it (or never got it): write it again.
      ref.data = recent
      if (!(await this.#sessions.save(ref, noCookies))) throw ended()
      if (force || needsRefresh(recent, now())) return this.#renew(ref, recent)
      return recent
    }
    if (!force && !needsRefresh(current, now())) return current
    return this.#renew(ref, current)
  }

  async #renew(ref: SessionRef, current: SessionData): Promise<SessionData> {
    this.#config.observer.trace?.(
      `refresh: renewing the tokens of a session of sub ${JSON.stringify(current.sub)} (refresh token ${current.refreshToken ? 'yes' : 'no'})`,
    )
    const { refreshToken } = current
    if (!refreshToken)
      throw new OidcError(
        'session_ended',
        'The session has no refresh token and its tokens cannot be renewed: sign in again.',
      )
    const provider = await this.#provider.get()
    const tokens = await requestTokens(this.#deps, provider, ref, { ...current, refreshToken })
    // The new tokens are saved before anything else can fail: a rotated refresh token that
    // is lost can never be used again, and its predecessor is spent.
    const renewed = renewedData(current, tokens, now())
    await this.#keep(ref, current, renewed)
    if (!tokens.id_token) {
      const hooked = await refreshedClaims(this.#deps, ref, current, renewed, tokens, false)
      if (hooked !== renewed) await this.#keep(ref, current, hooked)
      refreshed(this.#deps, hooked, false)
      return hooked
    }
    const verified = await withRenewedIdToken(this.#deps, provider, ref, renewed, tokens.id_token)
    const next = await refreshedClaims(this.#deps, ref, current, verified, tokens, true)
    await this.#keep(ref, current, next)
    refreshed(this.#deps, next, true)
    return next
  }

  /**
   * Saves renewed data, remembered first so this process never presents a spent refresh
   * token. A session that ended meanwhile (a logout during the refresh) is not brought
   * back: nothing written, nothing remembered, `session_ended`.
   */
  async #keep(ref: SessionRef, current: SessionData, next: SessionData): Promise<void> {
    ref.data = next
    // A provider that does not rotate sends the same token back, still valid: nothing to
    // remember, except for stateless sessions, whose next response must carry the new data.
    if (next.refreshToken !== current.refreshToken || this.#sessions.stateless)
      this.#remember(ref.id, current.refreshToken!, next)
    else this.#recent.delete(ref.id)
    if (await this.#save(ref)) return
    this.#recent.delete(ref.id)
    throw ended()
  }

  /**
   * Saves renewed tokens, again and again while the store fails (for up to SAVE_RETRY_MS),
   * with the session's lock held: the provider has spent the old refresh token, so every
   * process must read the new one before it refreshes again. Given up on, the tokens are
   * still remembered here (`#recent`), and this process writes them at its next refresh.
   */
  async #save(ref: SessionRef): Promise<boolean> {
    const deadline = Date.now() + SAVE_RETRY_MS
    for (;;) {
      try {
        return await this.#sessions.save(ref, noCookies)
      } catch (err) {
        if (!isOidc(err, 'store_unavailable') || Date.now() + SAVE_PAUSE_MS > deadline) throw err
      }
      await new Promise((resolve) => setTimeout(resolve, SAVE_PAUSE_MS))
    }
  }

  #remember(id: string, usedToken: string, data: SessionData): void {
    const t = now()
    const until = this.#sessions.stateless ? t + Math.max(RECENT, remaining(data, t, this.#config)) : t + RECENT
    setNewest(this.#recent, id, { usedToken, data, until }, MAX_RECENT, (entry) => entry.until <= t)
  }

  /** A refresh of this session newer than `data`, made here with the refresh token `data` holds. */
  #recentFor(id: string, data: SessionData): SessionData | undefined {
    const recent = this.#recent.get(id)
    if (
      recent === undefined ||
      recent.usedToken !== data.refreshToken ||
      recent.until <= now() ||
      recent.data.tokensAt < data.tokensAt
    )
      return undefined
    return recent.data
  }
}
