/** The small HTML pages the middleware answers itself (403, logout confirmation): one shell, escaped text. */

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

const STYLE =
  '*{box-sizing:border-box}body{font:15px/1.5 system-ui,sans-serif;background:#f3f4f6;color:#111827;display:grid;place-items:center;min-height:100vh;margin:0}main{background:#fff;padding:2rem;border-radius:12px;box-shadow:0 1px 3px #0000001f,0 8px 24px #0000000f;width:min(32rem,calc(100vw - 2rem));border-top:4px solid var(--accent)}.status{margin:0;font-size:.8rem;font-weight:600;letter-spacing:.06em;text-transform:uppercase;color:var(--accent)}h1{margin:.25rem 0 .75rem;font-size:1.5rem}p{margin:.25rem 0 1rem;color:#374151}.why{font-size:1.05rem;color:#111827}.badge{display:inline-block;font-size:.8rem;background:#e0e7ff;color:#3730a3;border-radius:999px;padding:.05rem .6rem}a{color:#2563eb}button{font:inherit;font-weight:600;color:#fff;background:#2563eb;border:0;border-radius:8px;padding:.5rem 1.1rem;cursor:pointer}'

export interface Page {
  /** Shown above the title, e.g. `403 · Forbidden`. */
  status: string
  title: string
  /** HTML, already escaped by the caller. */
  body: string
  /** Colour of the top border and status line. */
  accent?: string
}

export function renderPage(page: Page): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,"><title>${escapeHtml(page.title)}</title>
<style>:root{--accent:${page.accent ?? '#2563eb'}}${STYLE}</style></head>
<body><main><p class="status">${escapeHtml(page.status)}</p><h1>${escapeHtml(page.title)}</h1>
${page.body}</main></body></html>`
}

/** What the 403 page says about who was refused. */
export interface ForbiddenPage {
  /** Why, completing "This page …". */
  refusal: string
  /** The user's name, else `sub`. */
  signedInAs: string
  groups: readonly string[]
  logoutUrl: string
}

export function forbiddenPage(page: ForbiddenPage): string {
  const groups = page.groups.length
    ? page.groups.map((g) => `<span class="badge">${escapeHtml(g)}</span>`).join(' ')
    : 'none'
  return renderPage({
    status: '403 · Forbidden',
    title: 'Access denied',
    accent: '#dc2626',
    body: `<p class="why">This page ${escapeHtml(page.refusal)}.</p>
<p>You are signed in as <strong>${escapeHtml(page.signedInAs)}</strong>. Your groups: ${groups}.</p>
<p>Ask an administrator for access, or sign out and sign in as another user.</p>
<p><a href="/">Home</a> · <a href="${escapeHtml(page.logoutUrl)}">Sign out</a></p>`,
  })
}

/** The confirmation a sign-out started from another site gets: a button that posts back from this app's own page. */
export function logoutPage(logoutPath: string): string {
  return renderPage({
    status: 'Sign out',
    title: 'Sign out?',
    body: `<p>A page on another site asked to sign you out of this app.</p>
<form method="post" action="${escapeHtml(logoutPath)}"><button type="submit">Sign out</button></form>
<p><a href="/">Stay signed in</a></p>`,
  })
}

/** What a user refused at sign-in by the app (`onSignIn` → `refuse()`) sees. */
export function refusedPage(page: { message: string }): string {
  return renderPage({
    status: '403 · Sign-in refused',
    title: 'Sign-in refused',
    accent: '#dc2626',
    body: `<p class="why">${escapeHtml(page.message)}</p>
<p>You are not signed in to this app.</p>
<p><a href="/">Home</a></p>`,
  })
}
