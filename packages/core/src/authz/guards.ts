import type { OidcContext } from '../context.js'
import { OidcError } from '../errors.js'
import { Denial, errorResponse, forFramework } from '../error-response.js'
import type { HttpRequest, HttpResponse } from '../http/types.js'
import type { Claims } from '../identity.js'
import { stepUpOf, stepUpShortfall, type StepUp, type StepUpOptions } from './step-up.js'

/** What a guard asks of a signed-in user. `check` returns why access is refused, or undefined. */
export interface Requirement {
  check(context: OidcContext): string | undefined
  /** How recent and strong the sign-in must be (checked after `check`). */
  readonly stepUp?: StepUp | undefined
  /** Not a requirement: an anonymous browser tries a silent sign-in once (`attemptSilentLogin()`). */
  readonly silent?: boolean
}

export const signedIn: Requirement = { check: () => undefined }

/** Group names, optionally followed by step-up options: `requireGroup('admins', { maxAge: 300 })`. */
export type GroupArgs = string[] | [...groups: string[], options: StepUpOptions]

function withStepUp(requirement: Requirement, guard: string, options: StepUpOptions | undefined): Requirement {
  const stepUp = stepUpOf(guard, options)
  return stepUp === undefined ? requirement : { check: (context) => requirement.check(context), stepUp }
}

function splitGroupArgs(args: GroupArgs): [string[], StepUpOptions | undefined] {
  const last = args[args.length - 1]
  return typeof last === 'object' && last !== null
    ? [args.slice(0, -1) as string[], last]
    : [args as string[], undefined]
}

const silentAttempt: Requirement = { check: () => undefined, silent: true }

function groupList(name: string, groups: readonly string[]): string[] {
  if (groups.length === 0 || groups.some((g) => typeof g !== 'string' || g === '')) {
    throw new OidcError('invalid_options', `${name}() needs one or more group names, e.g. ${name}('admins')`)
  }
  return [...groups]
}

/** Any one of `groups`. */
export function anyGroup(...groups: string[]): Requirement {
  const wanted = groupList('requireGroup', groups)
  return {
    check: (context) =>
      wanted.some((g) => context.groups.includes(g))
        ? undefined
        : groupRefusal(
            context,
            `requires membership of ${wanted.length > 1 ? 'one of the groups' : 'the group'} ${wanted.join(', ')}`,
          ),
  }
}

/** Every one of `groups`. */
export function allGroups(...groups: string[]): Requirement {
  const wanted = groupList('requireAllGroups', groups)
  return {
    check: (context) => {
      const missing = wanted.filter((g) => !context.groups.includes(g))
      return missing.length === 0
        ? undefined
        : groupRefusal(
            context,
            `requires membership of the group${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
          )
    },
  }
}

/** A group refusal, which says so when the provider sent no groups because there were too many. */
function groupRefusal(context: OidcContext, refusal: string): string {
  if (!context.groupsOverage) return refusal
  context.warn(
    `groups overage for sub ${JSON.stringify(context.user?.sub)}: the provider sent no groups claim but _claim_names/_claim_sources (too many groups for the token, e.g. Entra ID past 200); resolve them in the app (req.oidc.groupsOverage) or emit fewer groups (Entra: "Groups assigned to the application")`,
  )
  return `${refusal}, but the provider sent no groups: the account is in too many groups for its token (groups overage), and this app must look them up`
}

/** A predicate over the user's claims. */
export function claimsMatch(predicate: (claims: Claims) => boolean): Requirement {
  if (typeof predicate !== 'function')
    throw new OidcError(
      'invalid_options',
      'requireClaims() needs a function of the claims, e.g. requireClaims((c) => c.email_verified === true)',
    )
  return {
    check: (context) =>
      context.user && predicate(context.user) ? undefined : "the account does not meet this page's requirements",
  }
}

/**
 * A guard: nothing when the request may go on, else the answer `errorResponse` gives its
 * denial (sign in: 302 or 401; signed in but not allowed: 403; signed in, allowed, but not
 * recently or strongly enough: 302 through the provider or the RFC 9470 401). The group or
 * claims are checked before the step-up: stepping up cannot make a non-member a member.
 */
export function authorize(
  context: OidcContext | undefined,
  request: HttpRequest,
  requirement: Requirement,
): HttpResponse | undefined {
  if (!context)
    throw new OidcError('misconfigured', 'A guard ran without the oidc() middleware before it: register oidc() first.')
  if (requirement.silent) return context.isAuthenticated() ? undefined : context.silentLogin(request)
  if (!context.isAuthenticated()) return deny(new Denial('unauthenticated', context), request, context)
  const refusal = requirement.check(context)
  if (refusal !== undefined) return deny(new Denial('forbidden', context, refusal), request, context)
  const { stepUp } = requirement
  if (stepUp === undefined) return undefined
  const shortfall = stepUpShortfall(context, stepUp, Math.floor(Date.now() / 1000), context.clockTolerance)
  return shortfall === undefined ? undefined : deny(new Denial('step_up', context, shortfall, stepUp), request, context)
}

/** The denial's answer, or with `errorHandling: 'framework'`, thrown for the framework's error handling. */
function deny(denial: Denial, request: HttpRequest, context: OidcContext): HttpResponse {
  const response = errorResponse(denial, request, context.errorHandling)
  if (response === undefined) throw forFramework(denial)
  return response
}

/** The guards every adapter exports, each its framework's middleware: written, with their docs, once. */
export interface Guards<Guard> {
  /**
   * Signed in (session or bearer token). With `{ maxAge, acr }`, signed in recently enough
   * and strongly enough (step-up): a browser is sent through the provider again, an API
   * client gets 401 with the RFC 9470 challenge.
   */
  requiresAuth: (options?: StepUpOptions) => Guard
  /** Signed in and a member of any one of `groups`; step-up options may follow: `requireGroup('admins', { maxAge: 300 })`. */
  requireGroup: (...groups: GroupArgs) => Guard
  /** Signed in and a member of every one of `groups`; step-up options may follow. */
  requireAllGroups: (...groups: GroupArgs) => Guard
  /** Signed in and `predicate(claims)` holds; with step-up options. */
  requireClaims: (predicate: (claims: Claims) => boolean, options?: StepUpOptions) => Guard
  /**
   * For public pages: an anonymous browser navigation tries a silent sign-in
   * (`prompt=none`) once per browser session, and comes back signed in, or signed out
   * without a word when the provider needs the user (`login_required`...).
   */
  attemptSilentLogin: () => Guard
}

/** An adapter's guards, from its `guard`, which makes a requirement its framework's middleware (around `authorize`). */
export function guards<Guard>(guard: (requirement: Requirement) => Guard): Guards<Guard> {
  return {
    requiresAuth: (options) => guard(withStepUp(signedIn, 'requiresAuth', options)),
    requireGroup: (...args) => {
      const [groups, options] = splitGroupArgs(args)
      return guard(withStepUp(anyGroup(...groups), 'requireGroup', options))
    },
    requireAllGroups: (...args) => {
      const [groups, options] = splitGroupArgs(args)
      return guard(withStepUp(allGroups(...groups), 'requireAllGroups', options))
    },
    requireClaims: (predicate, options) => guard(withStepUp(claimsMatch(predicate), 'requireClaims', options)),
    attemptSilentLogin: () => guard(silentAttempt),
  }
}
