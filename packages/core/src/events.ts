/**
 * What happened, for an app's logs and metrics: one event per sign-in, refusal, refresh,
 * sign-out and ended session. Events name the user (`sub`, `sid`) and why, never a token
 * or a secret. Ground floor: imports nothing of ours but types.
 */

/** A sign-in completed: the session is written. */
export interface SignedInEvent {
  readonly type: 'signedIn'
  readonly sub: string
  /** The provider's session id, when it sent one. */
  readonly sid?: string
}

/** A sign-in was refused: by the `onSignIn` hook, or by a check (the provider's answer, the ID token...). */
export interface SignInRefusedEvent {
  readonly type: 'signInRefused'
  /** The hook's reason code (`refuse('email_unverified', ...)`), else the `OidcErrorCode`, e.g. `token_exchange_failed`. */
  readonly reason: string
  /** The provider's own OAuth error, when it sent one: `invalid_client`, `unauthorized_client`, `access_denied`... */
  readonly providerError?: string
  /** Also in the log line and (in production) on the error page, to find one from the other. */
  readonly reference: string
  /** Known when the refusal came after the ID token was verified (the hook's). */
  readonly sub?: string
}

/** A session's tokens were renewed. */
export interface RefreshedEvent {
  readonly type: 'refreshed'
  readonly sub: string
  readonly sid?: string
  /** Whether the provider sent a new ID token (and so new claims). */
  readonly idTokenRenewed: boolean
}

/** A refresh did not succeed. */
export interface RefreshFailedEvent {
  readonly type: 'refreshFailed'
  readonly sub: string
  readonly sid?: string
  /** The `OidcErrorCode` (`provider_unavailable`, `session_ended`...), or the `onRefresh` hook's reason code. */
  readonly reason: string
  /** False when the session was ended by it (a refused refresh token, a refusal of `onRefresh`). */
  readonly sessionKept: boolean
}

/** A user signed out (`/logout`). */
export interface SignedOutEvent {
  readonly type: 'signedOut'
  readonly sub: string
  readonly sid?: string
}

/** The provider ended sessions by a back-channel logout token. */
export interface BackchannelLogoutEvent {
  readonly type: 'backchannelLogout'
  readonly sub?: string
  readonly sid?: string
  /** How many sessions of this app it ended. */
  readonly sessions: number
}

/** A session ended without a sign-out: timed out, or its refresh was refused. */
export interface SessionEndedEvent {
  readonly type: 'sessionEnded'
  readonly sub: string
  readonly sid?: string
  readonly reason: 'idle_timeout' | 'absolute_timeout' | 'refresh_refused' | 'refused_by_hook'
}

/** Every event, told apart by `type`. */
export type OidcEvent =
  | SignedInEvent
  | SignInRefusedEvent
  | RefreshedEvent
  | RefreshFailedEvent
  | SignedOutEvent
  | BackchannelLogoutEvent
  | SessionEndedEvent

/**
 * The `onEvent` option: every event, for logs and metrics. A handler that throws or
 * rejects is logged and changes nothing; nothing waits for it.
 *
 * @example
 * ```ts
 * import type { OnEvent } from '@oidc-rp/core'
 *
 * const counts = new Map<string, number>()
 * export const onEvent: OnEvent = (event) => {
 *   const key = event.type === 'signInRefused' ? `signInRefused.${event.reason}` : event.type
 *   counts.set(key, (counts.get(key) ?? 0) + 1)
 *   if (event.type === 'sessionEnded') console.info(`session of ${event.sub} ended: ${event.reason}`)
 * }
 * ```
 */
export type OnEvent = (event: OidcEvent) => void | Promise<void>

/** Where the core sends events and traces: undefined members cost nothing. */
export interface Observer {
  readonly onEvent: OnEvent | undefined
  readonly warnOnFailure: (message: string) => void
  /** `debug` / `OIDC_DEBUG`: one line per step of a sign-in and a refresh, tokens and secrets redacted. */
  readonly trace: ((message: string) => void) | undefined
}

/**
 * Sends an event to the app's handler. A handler that throws or rejects is logged, never
 * allowed to break the flow that emitted it; nothing is awaited.
 */
export function emit(observer: Observer, event: OidcEvent): void {
  const { onEvent } = observer
  if (onEvent === undefined) return
  const failed = (err: unknown) =>
    observer.warnOnFailure(`onEvent(${event.type}) failed: ${err instanceof Error ? err.message : String(err)}`)
  try {
    const result = onEvent(Object.freeze({ ...event }))
    if (result instanceof Promise) result.catch(failed)
  } catch (err) {
    failed(err)
  }
}

/** `sub` and, when there is one, `sid`: the fields every session event carries. */
export function who(session: { sub: string; sid?: string }): { sub: string; sid?: string } {
  return session.sid === undefined ? { sub: session.sub } : { sub: session.sub, sid: session.sid }
}

/** Anything shaped like a JWT (an ID, access, refresh or logout token). */
const JWT = /\beyJ[\w-]*\.[\w-]*\.[\w-]*/g

/**
 * The `debug` trace: each line to `log`, prefixed `debug:`, with anything shaped like a
 * JWT and the given secrets replaced by `[redacted]` (the steps never put a token in a
 * line; this makes sure of it).
 */
export function tracer(
  log: (message: string) => void,
  secrets: readonly (string | undefined)[],
): (message: string) => void {
  const known = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 8)
  return (message) => {
    let line = message.replace(JWT, '[redacted]')
    for (const secret of known) line = line.split(secret).join('[redacted]')
    log(`debug: ${line}`)
  }
}
