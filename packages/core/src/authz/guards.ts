import type { OidcContext } from '../context.js'
import { Denial, errorResponse, forFramework, OidcError } from '../errors.js'
import type { HttpRequest, HttpResponse } from '../http/types.js'
import type { Claims } from '../identity.js'

/** What a guard asks of a signed-in user. `check` returns why access is refused, or undefined. */
export interface Requirement {
  check(context: OidcContext): string | undefined
}

export const signedIn: Requirement = { check: () => undefined }

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
 * denial (sign in: 302 or 401; signed in but not allowed: 403).
 */
export function authorize(
  context: OidcContext | undefined,
  request: HttpRequest,
  requirement: Requirement,
): HttpResponse | undefined {
  if (!context)
    throw new OidcError('misconfigured', 'A guard ran without the oidc() middleware before it: register oidc() first.')
  if (!context.isAuthenticated()) return deny(new Denial('unauthenticated', context), request, context)
  const refusal = requirement.check(context)
  return refusal === undefined ? undefined : deny(new Denial('forbidden', context, refusal), request, context)
}

/** The denial's answer, or with `errorHandling: 'framework'`, thrown for the framework's error handling. */
function deny(denial: Denial, request: HttpRequest, context: OidcContext): HttpResponse {
  const response = errorResponse(denial, request, context.errorHandling)
  if (response === undefined) throw forFramework(denial)
  return response
}

/** The guards every adapter exports, each its framework's middleware: written, with their docs, once. */
export interface Guards<Guard> {
  /** Signed in (session or bearer token). */
  requiresAuth(): Guard
  /** Signed in and a member of any one of `groups`. */
  requireGroup(...groups: string[]): Guard
  /** Signed in and a member of every one of `groups`. */
  requireAllGroups(...groups: string[]): Guard
  /** Signed in and `predicate(claims)` holds. */
  requireClaims(predicate: (claims: Claims) => boolean): Guard
}

/** An adapter's guards, from its `guard`, which makes a requirement its framework's middleware (around `authorize`). */
export function guards<Guard>(guard: (requirement: Requirement) => Guard): Guards<Guard> {
  return {
    requiresAuth: () => guard(signedIn),
    requireGroup: (...groups) => guard(anyGroup(...groups)),
    requireAllGroups: (...groups) => guard(allGroups(...groups)),
    requireClaims: (predicate) => guard(claimsMatch(predicate)),
  }
}
