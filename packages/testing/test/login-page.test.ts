import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CookieJar } from '../src/cookie-jar.js'
import { startDevProvider } from '../src/index.js'
import type { DevProvider } from '../src/index.js'
import { CLIENT_ID, REDIRECT_URI, hop, pkce } from './helpers.js'

let provider: DevProvider

beforeAll(async () => {
  provider = await startDevProvider({
    users: [
      { id: 'alice', name: 'Alice Admin', email: 'alice@example.com', groups: ['admins', 'developers'] },
      { id: 'x"><script>', name: '<img src=x onerror=alert(1)>', email: 'e&e@example.com', groups: ['<b>'] },
      { id: 'nogroups', name: 'No Groups', email: 'n@example.com', groups: [] },
    ],
  })
})

afterAll(async () => {
  await provider.close()
})

async function openLoginPage(
  jar = new CookieJar(),
): Promise<{ url: string; html: string; status: number; jar: CookieJar }> {
  const url = new URL(`${provider.issuer}/auth`)
  url.search = new URLSearchParams({
    client_id: CLIENT_ID,
    response_type: 'code',
    scope: 'openid profile',
    redirect_uri: REDIRECT_URI,
    state: 's',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
  }).toString()
  const start = await hop(jar, url)
  expect(start.status).toBe(303)
  const page = await hop(jar, start.location ?? '')
  return { url: start.location ?? '', html: page.text, status: page.status, jar }
}

describe('login page', () => {
  it('lists every user as a one-click form with escaped names, emails and group badges', async () => {
    const { url, html, status } = await openLoginPage()
    expect(status).toBe(200)
    expect(new URL(url).pathname).toMatch(/^\/interaction\/[\w-]+$/)
    expect(html).toContain('<title>oidc-rp dev provider — sign in</title>')
    expect(html).toContain(`<form method="post" action="${new URL(url).pathname}/login">`)
    expect(html).toContain('<input type="hidden" name="user" value="alice">')
    expect(html).toContain('<span class="badge">admins</span><span class="badge">developers</span>')
    expect(html).toContain('<span class="badge none">no groups</span>')
    expect(html).toContain('Sign in to <code>oidc-rp-dev</code>')
    expect(html).toContain('value="x&quot;&gt;&lt;script&gt;"')
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(html).toContain('e&amp;e@example.com')
    expect(html).toContain('<span class="badge">&lt;b&gt;</span>')
    expect(html).not.toContain('<script')
    expect(html).not.toContain('<img')
  })

  it('answers 400 for an unknown user and lets the user try again', async () => {
    const { url, jar } = await openLoginPage()
    const unknown = await hop(jar, `${url}/login`, { user: 'mallory' })
    expect(unknown.status).toBe(400)
    expect(unknown.text).toContain('There is no user &quot;mallory&quot;')
    const known = await hop(jar, `${url}/login`, { user: 'nogroups' })
    expect(known.status).toBe(303)
  })

  it('answers 400 without the interaction cookie, and 405 to other methods', async () => {
    const { url } = await openLoginPage()
    const stranger = await hop(new CookieJar(), url)
    expect(stranger.status).toBe(400)
    expect(stranger.text).toContain('unknown or has expired')
    const response = await fetch(`${url}/login`)
    expect(response.status).toBe(405)
  })

  it('sends no-store and a restrictive CSP', async () => {
    const { url, jar } = await openLoginPage()
    const response = await fetch(url, { headers: { cookie: jar.header(new URL(url)) } })
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'")
  })
})
