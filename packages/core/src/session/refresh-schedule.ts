import { setNewest } from '../bounded-map.js'
import type { SessionData } from '../store.js'

/** Seconds before expiry at which tokens are refreshed (never more than half their lifetime). */
export const LEEWAY = 60

/**
 * Seconds tokens are assumed to live when the provider renewed them without saying how
 * long (no ID token, no `expires_in`) and the previous ones gave no lifetime either.
 */
const FALLBACK_LIFETIME = 300

/** Seconds before `expiresAt` to refresh: the leeway, but at most half the token's lifetime. */
function dueAt(expiresAt: number, obtainedAt: number): number {
  return expiresAt - Math.min(LEEWAY, Math.max(0, (expiresAt - obtainedAt) / 2))
}

/** When the access token expires, as the provider said or, when it did not, as assumed at its refresh. */
function accessExpiresAt(data: SessionData): number | undefined {
  return data.accessTokenExpiresAt ?? data.assumedExpiresAt
}

/**
 * Whether the session's tokens are due for a refresh: the access token's expiry, and the ID
 * token's unless the provider stopped renewing it (a refresh answered without `id_token`,
 * OIDC Core §12.2): an ID token that is never renewed would make every request refresh.
 */
export function needsRefresh(data: SessionData, t: number): boolean {
  if (!data.refreshToken) return false
  if (data.idTokenRenewed !== false && t >= dueAt(data.idTokenExpiresAt, data.tokensAt)) return true
  const at = accessExpiresAt(data)
  return at !== undefined && t >= dueAt(at, data.tokensAt)
}

/** Whether the tokens the session goes on are expired (an ID token the provider no longer renews is not one of them). */
export function expired(data: SessionData, t: number): boolean {
  if (data.idTokenRenewed !== false && t >= data.idTokenExpiresAt) return true
  const at = accessExpiresAt(data)
  return at !== undefined && t >= at
}

/** Seconds the tokens of `data` were issued for: what a renewal that says nothing is assumed to last. */
export function lifetimeOf(data: SessionData): number {
  const at = accessExpiresAt(data) ?? (data.idTokenRenewed === false ? undefined : data.idTokenExpiresAt)
  const lifetime = at === undefined ? 0 : at - data.tokensAt
  return lifetime > 0 ? lifetime : FALLBACK_LIFETIME
}

/** Back-off figures, milliseconds. */
const FIRST_DELAY = 1000
const MAX_DELAY = 30_000
const JITTER = 0.25
/** Different sessions failing in a row (no success between) that make a process-wide outage. */
const OUTAGE_AFTER = 3
/** Sessions remembered in back-off; the oldest are forgotten beyond (they may refresh early). */
const MAX_TRACKED = 10_000

interface Failing {
  failures: number
  /** Epoch ms before which no new attempt starts. */
  until: number
}

/** 1 s doubling up to 30 s, ±25 % so that sessions that failed together do not retry together. */
function delayAfter(failures: number): number {
  const base = Math.min(MAX_DELAY, FIRST_DELAY * 2 ** Math.min(failures - 1, 16))
  return Math.round(base * (1 - JITTER + Math.random() * 2 * JITTER))
}

/**
 * When a refresh may be tried again after failures: per session, and process-wide once
 * several different sessions failed in a row (the provider is down for everyone). During
 * an outage, one attempt at a time probes the provider once its delay has passed; the first
 * success ends the outage and every session's back-off with it.
 */
export class BackOff {
  readonly #sessions = new Map<string, Failing>()
  /** Sessions that failed since the last success. */
  readonly #failingInARow = new Set<string>()
  #outage: Failing | undefined
  #probing = false

  /** Milliseconds before a refresh of session `id` may start (0: now; it then counts as started). */
  wait(id: string, t: number): number {
    const session = this.#sessions.get(id)
    if (session !== undefined && t < session.until) return session.until - t
    const outage = this.#outage
    if (outage === undefined) return 0
    if (t < outage.until) return outage.until - t
    if (this.#probing) return FIRST_DELAY
    this.#probing = true
    return 0
  }

  /** The provider renewed (or answered, even with a refusal): back-offs end. */
  succeeded(id: string): void {
    this.#probing = false
    this.#failingInARow.clear()
    if (this.#outage !== undefined) {
      this.#outage = undefined
      this.#sessions.clear()
    } else {
      this.#sessions.delete(id)
    }
  }

  /** A refresh of `id` failed; `provider`: because of the provider (counts towards an outage), not e.g. a lock. */
  failed(id: string, t: number, provider: boolean): void {
    this.#probing = false
    const failures = (this.#sessions.get(id)?.failures ?? 0) + 1
    setNewest(this.#sessions, id, { failures, until: t + delayAfter(failures) }, MAX_TRACKED)
    if (!provider) return
    if (this.#failingInARow.size < OUTAGE_AFTER) this.#failingInARow.add(id)
    if (this.#outage !== undefined) {
      const outageFailures = this.#outage.failures + 1
      this.#outage = { failures: outageFailures, until: t + delayAfter(outageFailures) }
    } else if (this.#failingInARow.size >= OUTAGE_AFTER) {
      this.#outage = { failures: 1, until: t + delayAfter(1) }
    }
  }

  /** The attempt ended with nothing learnt about the provider (the session was gone, the store failed). */
  settled(): void {
    this.#probing = false
  }
}

export const TIMED_OUT: unique symbol = Symbol('timed out')

/** `promise`, or TIMED_OUT after `ms` (the promise goes on; its outcome is then someone else's). */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(TIMED_OUT), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (err: unknown) => {
        clearTimeout(timer)
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the promise's own reason, passed on unchanged
        reject(err)
      },
    )
  })
}
