import type { ErrorOut, KoaContextWithOIDC } from 'oidc-provider'
import { escapeHtml, page } from './html.js'

/**
 * RP-initiated logout confirmation that confirms itself: oidc-provider's form (hidden `xsrf`,
 * posting to `/session/end/confirm`) gets `logout=yes` through an input outside it (the
 * `form` attribute) and is submitted on load, so the whole provider session ends and every
 * back-channel client is told. Without JavaScript a single button does the same.
 */
export function logoutSource(ctx: KoaContextWithOIDC, form: string): void {
  ctx.type = 'html'
  ctx.body = page(
    'oidc-rp dev provider — signing out',
    `<h1>Signing out…</h1>
<p>You are being signed out of the oidc-rp dev provider.</p>
${form}
<input type="hidden" name="logout" value="yes" form="op.logoutForm">
<noscript><button type="submit" form="op.logoutForm">Sign out</button></noscript>
<script>document.getElementById('op.logoutForm').submit()</script>`,
  )
}

/** Shown after logout when the client gave no `post_logout_redirect_uri`. */
export function postLogoutSuccessSource(ctx: KoaContextWithOIDC): void {
  const client = ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId
  ctx.type = 'html'
  ctx.body = page(
    'oidc-rp dev provider — signed out',
    `<h1>Signed out</h1>
<p>You are signed out of the oidc-rp dev provider${client ? ` and <code>${escapeHtml(client)}</code>` : ''}.</p>`,
  )
}

/** Errors the provider shows to the browser (bad redirect_uri, unknown client...). */
export function renderError(ctx: KoaContextWithOIDC, out: ErrorOut): void {
  ctx.type = 'html'
  ctx.body = page(
    'oidc-rp dev provider — error',
    `<h1>${escapeHtml(out.error)}</h1>
<p>${escapeHtml(out.error_description ?? 'The request could not be processed.')}</p>
<p class="note">oidc-rp dev provider, for development and tests only.</p>`,
  )
}
