// @ts-check
// The examples' home page: plain server-rendered HTML, no scripts, no front-end build.

/**
 * What the page reads from `req.oidc` / `request.oidc` / `ctx.state.oidc`.
 * `sessionExpiresAt` is undefined when signed in with a bearer token (no session).
 * @typedef {object} PageContext
 * @property {() => boolean} isAuthenticated
 * @property {Record<string, unknown> | undefined} user
 * @property {string[]} groups
 * @property {number | undefined} idTokenExpiresAt
 * @property {{ expiresAt: number | undefined } | undefined} accessToken
 * @property {number | undefined} [sessionExpiresAt]
 * @property {(returnTo?: string) => string} loginUrl
 * @property {() => string} logoutUrl
 */

/** @param {string} value */
const escape = (value) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/**
 * "2026-01-01 12:00:00 UTC (in 60 min)", or a note when the provider did not say.
 * @param {number | undefined} epochSeconds
 * @param {number} now  epoch seconds
 */
function expiry(epochSeconds, now) {
  if (epochSeconds === undefined) return '<span class="muted">not given by the provider</span>'
  const at = new Date(epochSeconds * 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC'
  return `<time datetime="${new Date(epochSeconds * 1000).toISOString()}">${at}</time> <span class="muted">(${relative(epochSeconds - now)})</span>`
}

/** @param {number} seconds */
function relative(seconds) {
  const past = seconds < 0
  const s = Math.abs(Math.round(seconds))
  const text =
    s < 90
      ? `${s} s`
      : s < 90 * 60
        ? `${Math.round(s / 60)} min`
        : s < 36 * 3600
          ? `${Math.round(s / 3600)} h`
          : `${Math.round(s / 86400)} days`
  return past ? `${text} ago` : `in ${text}`
}

const style = `*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:grid;place-items:center;background:#f3f4f6;color:#111827;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{width:min(34rem,calc(100vw - 2rem));background:#fff;border-radius:12px;box-shadow:0 1px 3px #0000001f,0 8px 24px #0000000f;padding:2rem}
.app{margin:0 0 1rem;font-size:.8rem;font-weight:600;letter-spacing:.06em;text-transform:uppercase;color:#6b7280}
h1{margin:0 0 .5rem;font-size:1.5rem}
p{margin:.25rem 0 1rem;color:#374151}
.muted{color:#6b7280}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f3f4f6;border-radius:4px;padding:0 .25rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.45rem 1.25rem;margin:1.25rem 0}
dt{color:#6b7280}dd{margin:0}
.badge{display:inline-block;font-size:.8rem;background:#e0e7ff;color:#3730a3;border-radius:999px;padding:.05rem .6rem}
dd .badge{margin:0 .3rem .2rem 0}
.hint{font-size:.85rem;color:#6b7280;margin:-.5rem 0 1.25rem}
.button{display:inline-block;background:#2563eb;color:#fff;font-weight:600;padding:.6rem 1.3rem;border-radius:8px;text-decoration:none}
.button:hover,.button:focus{background:#1d4ed8}
nav{display:flex;flex-wrap:wrap;gap:.6rem;border-top:1px solid #e5e7eb;padding-top:1.25rem}
nav a{padding:.4rem .9rem;border:1px solid #d1d5db;border-radius:8px;color:#1f2937;text-decoration:none}
nav a:hover,nav a:focus{border-color:#2563eb;background:#eff6ff}
nav a.signout{margin-left:auto;color:#b91c1c}
ul{padding-left:1.2rem;color:#374151}li{margin:.2rem 0}`

/**
 * The home page: what the app is and a sign-in button, or who is signed in.
 * @param {PageContext} oidc
 */
export function homePage(oidc) {
  const now = Math.floor(Date.now() / 1000)
  return document(oidc.isAuthenticated() && oidc.user ? signedIn(oidc, oidc.user, now) : signedOut(oidc))
}

/** @param {PageContext} oidc */
function signedOut(oidc) {
  return `<h1>Welcome</h1>
<p>A small app protected by OpenID Connect with <code>oidc-rp</code>. Sign in at the OpenID Provider and come back here to see who you are: your name, email, groups and when your tokens expire.</p>
<ul><li><a href="/me">/me</a> returns your claims as JSON once you are signed in.</li><li><a href="/admin">/admin</a> is only for members of the <span class="badge">admins</span> group.</li><li><a href="/recent">/recent</a> wants a sign-in within the last minute, and sends you back through the provider otherwise.</li></ul>
<p><a class="button" href="${escape(oidc.loginUrl('/'))}">Sign in</a></p>`
}

/**
 * @param {PageContext} oidc
 * @param {Record<string, unknown>} user
 * @param {number} now
 */
function signedIn(oidc, user, now) {
  const name = typeof user['name'] === 'string' ? user['name'] : String(user['sub'])
  const email = typeof user['email'] === 'string' ? escape(user['email']) : '<span class="muted">not shared</span>'
  const groups = oidc.groups.length
    ? oidc.groups.map((g) => `<span class="badge">${escape(g)}</span>`).join('')
    : '<span class="muted">none</span>'
  const session =
    typeof oidc.sessionExpiresAt === 'number'
      ? `<dt>Session ends</dt><dd>${expiry(oidc.sessionExpiresAt, now)}</dd>`
      : ''
  const hint = `Tokens are refreshed automatically shortly before they expire${session ? '; the session is extended each time you use the app, up to its absolute lifetime' : ''}.`
  return `<h1>Hello, ${escape(name)}</h1>
<p class="muted">You are signed in.</p>
<dl id="profile">
<dt>Name</dt><dd id="name">${escape(name)}</dd>
<dt>Email</dt><dd id="email">${email}</dd>
<dt>Subject</dt><dd><code>${escape(String(user['sub']))}</code></dd>
<dt>Groups</dt><dd id="groups">${groups}</dd>
<dt>ID token expires</dt><dd>${expiry(oidc.idTokenExpiresAt, now)}</dd>
<dt>Access token expires</dt><dd>${expiry(oidc.accessToken?.expiresAt, now)}</dd>
${session}</dl>
<p class="hint">${hint}</p>
<nav><a href="/me">My claims (/me)</a><a href="/admin">Admin area (/admin)</a><a href="/recent">Recent sign-in (/recent)</a><a class="signout" href="${escape(oidc.logoutUrl())}">Sign out</a></nav>`
}

/** @param {string} body */
function document(body) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="icon" href="data:,">
<title>oidc-rp example</title>
<style>${style}</style>
</head>
<body>
<main>
<p class="app">oidc-rp example</p>
${body}
</main>
</body>
</html>
`
}
