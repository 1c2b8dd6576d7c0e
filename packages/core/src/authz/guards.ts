import type { OidcContext } from '../context.js'
import { OidcError } from '../errors.js'
import { escapeHtml, renderPage } from '../http/pages.js'
import { html, isBrowserNavigation, json, redirect, wantsHtml, type HttpRequest, type HttpResponse } from '../http/types.js'
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
    check: (context) => (wanted.some((g) => context.groups.includes(g)) ? undefined : groupRefusal(context, `requires membership of ${wanted.length > 1 ? 'one of the groups' : 'the group'} ${wanted.join(', ')}`)),
  }
}

/** Every one of `groups`. */
export function allGroups(...groups: string[]): Requirement {
  const wanted = groupList('requireAllGroups', groups)
  return {
    check: (context) => {
      const missing = wanted.filter((g) => !context.groups.includes(g))
      return missing.length === 0 ? undefined : groupRefusal(context, `requires membership of the group${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`)
    },
  }
}

/** A group refusal, which says so when the provider sent no groups because there were too many. */
function groupRefusal(context: OidcContext, refusal: string): string {
  if (!context.groupsOverage) return refusal
  context.warn(`groups overage for sub ${JSON.stringify(context.user?.sub)}: the provider sent no groups claim but _claim_names/_claim_sources (too many groups for the token, e.g. Entra ID past 200); resolve them in the app (req.oidc.groupsOverage) or emit fewer groups (Entra: "Groups assigned to the application")`)
  return `${refusal}, but the provider sent no groups: the account is in too many groups for its token (groups overage), and this app must look them up`
}

/** A predicate over the user's claims. */
export function claimsMatch(predicate: (claims: Claims) => boolean): Requirement {
  if (typeof predicate !== 'function') throw new OidcError('invalid_options', 'requireClaims() needs a function of the claims, e.g. requireClaims((c) => c.email_verified === true)')
  return { check: (context) => (context.user && predicate(context.user) ? undefined : 'the account does not meet this page\'s requirements') }
}

/**
 * The one place access decisions become responses. Not signed in: a browser navigation
 * is sent to sign in and come back; anything else gets 401 with `WWW-Authenticate`.
 * Signed in but not allowed: 403, never a redirect (which would loop).
 */
export function authorize(context: OidcContext | undefined, request: HttpRequest, requirement: Requirement): HttpResponse | undefined {
  if (!context) throw new OidcError('misconfigured', 'A guard ran without the oidc() middleware before it: register oidc() first.')
  if (!context.isAuthenticated()) {
    if (isBrowserNavigation(request)) return redirect(context.loginUrl(request.originalUrl ?? request.url))
    return json(401, { error: 'unauthenticated', message: 'Sign in first, or send a bearer token.' }, { 'www-authenticate': 'Bearer realm="oidc-rp"' })
  }
  const refusal = requirement.check(context)
  if (refusal === undefined) return undefined
  if (wantsHtml(request)) return html(403, forbiddenPage(refusal, context))
  return json(403, { error: 'forbidden', message: `Access denied: this ${refusal}.` })
}

function forbiddenPage(refusal: string, context: OidcContext): string {
  const name = typeof context.user?.name === 'string' ? context.user.name : context.user?.sub ?? ''
  const groups = context.groups.length ? context.groups.map((g) => `<span class="badge">${escapeHtml(g)}</span>`).join(' ') : 'none'
  return renderPage({
    status: '403 · Forbidden',
    title: 'Access denied',
    accent: '#dc2626',
    body: `<p class="why">This page ${escapeHtml(refusal)}.</p>
<p>You are signed in as <strong>${escapeHtml(name)}</strong>. Your groups: ${groups}.</p>
<p>Ask an administrator for access, or sign out and sign in as another user.</p>
<p><a href="/">Home</a> · <a href="${escapeHtml(context.logoutUrl())}">Sign out</a></p>`,
  })
}
