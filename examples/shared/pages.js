// @ts-check

/** @param {string} value */
const escape = (value) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** @param {number | undefined} epochSeconds */
const time = (epochSeconds) => (epochSeconds === undefined ? 'n/a' : new Date(epochSeconds * 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC')

const style = `body{font-family:system-ui,sans-serif;background:#f6f7f9;color:#1d2433;margin:0;display:grid;place-items:center;min-height:100vh}
main{background:#fff;padding:2rem 2.5rem;border-radius:12px;box-shadow:0 2px 12px #0001;max-width:36rem;width:100%}
h1{margin-top:0;font-size:1.5rem}.badge{display:inline-block;background:#e8eefc;color:#2857d6;border-radius:999px;padding:.1rem .6rem;margin:.1rem;font-size:.85rem}
.button{display:inline-block;background:#2857d6;color:#fff;padding:.6rem 1.2rem;border-radius:8px;text-decoration:none}
small,.hint{color:#667;font-size:.85rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dt{color:#667}a{color:#2857d6}nav a{margin-right:1rem}`

/**
 * The home page: what the app is and a sign-in button, or who is signed in.
 * @param {{ isAuthenticated(): boolean, user?: Record<string, unknown>, groups: string[], idTokenExpiresAt?: number, sessionExpiresAt?: number, accessToken?: { expiresAt: number | undefined }, loginUrl(returnTo?: string): string, logoutUrl(): string }} oidc
 */
export function homePage(oidc) {
  let body
  if (!oidc.isAuthenticated() || !oidc.user) {
    body = `<h1>oidc-rp example</h1>
<p>A small app protected by OpenID Connect: sign in at your provider, and see your claims and groups here.</p>
<p><a class="button" href="${escape(oidc.loginUrl('/'))}">Sign in</a></p>`
  } else {
    const user = oidc.user
    const name = typeof user.name === 'string' ? user.name : String(user.sub)
    const email = typeof user.email === 'string' ? user.email : 'n/a'
    const groups = oidc.groups.length ? oidc.groups.map((g) => `<span class="badge">${escape(g)}</span>`).join('') : 'none'
    body = `<h1>Hello, ${escape(name)}</h1>
<dl><dt>Email</dt><dd>${escape(email)}</dd><dt>Groups</dt><dd>${groups}</dd>
<dt>Session ends</dt><dd>${time(oidc.sessionExpiresAt)} <small>(unless used again)</small></dd>
<dt>ID token expires</dt><dd>${time(oidc.idTokenExpiresAt)}</dd><dt>Access token expires</dt><dd>${time(oidc.accessToken?.expiresAt)}</dd></dl>
<p class="hint">Tokens are refreshed automatically shortly before they expire.</p>
<nav><a href="/me">/me (JSON)</a><a href="/admin">/admin</a><a href="${escape(oidc.logoutUrl())}">Sign out</a></nav>`
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>oidc-rp example</title><style>${style}</style></head><body><main>${body}</main></body></html>`
}
