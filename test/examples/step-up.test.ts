/**
 * The examples' step-up route and login pass-through (issue 15 examples contract), driven as
 * processes. RECENT_MAX_AGE shortens /recent's 60 seconds (and OIDC_CLOCK_TOLERANCE=0 the
 * leeway) so a sign-in gets old within the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signIn } from '@oidc-rp/testing'
import { startExample } from '../support/example-process.js'
import { get } from '../support/http.js'

describe.each(['express', 'fastify', 'koa'])('examples/%s: step-up and login parameters', (name) => {
  let app: Awaited<ReturnType<typeof startExample>>

  beforeAll(async () => {
    app = await startExample(name, { RECENT_MAX_AGE: '2', OIDC_CLOCK_TOLERANCE: '0' })
  }, 60_000)
  afterAll(async () => {
    await app?.stop()
  })

  it('serves /recent to a fresh sign-in, then sends a browser back through the provider and gives an API client the RFC 9470 401', async () => {
    const { cookie } = await signIn(app.url, 'alice')
    const fresh = await get(`${app.url}/recent`, cookie)
    expect(fresh.status, fresh.body).toBe(200)
    const body = JSON.parse(fresh.body) as { ok: boolean; auth_time: number }
    expect(body.ok).toBe(true)
    expect(Math.abs(body.auth_time - Date.now() / 1000)).toBeLessThan(10)

    await new Promise((resolve) => setTimeout(resolve, 3100))
    const api = await get(`${app.url}/recent`, cookie)
    expect(api.status, api.body).toBe(401)
    expect(api.challenge).toContain('error="insufficient_user_authentication"')
    expect(api.challenge).toContain('max_age=2')
    const browser = await get(`${app.url}/recent`, cookie, 'text/html')
    expect(browser.status).toBe(302)
    const login = new URL(browser.location!, app.url)
    expect(login.pathname).toBe('/login')
    expect(login.searchParams.get('returnTo')).toBe('/recent')
    const toProvider = await get(login.href, cookie, 'text/html')
    expect(toProvider.status).toBe(302)
    expect(new URL(toProvider.location!).searchParams.get('max_age')).toBe('2')
  })

  it('passes login_hint and prompt through /login to the provider, and nothing it did not allow', async () => {
    const login = await get(`${app.url}/login?login_hint=bob&prompt=login&ui_locales=fr`, undefined, 'text/html')
    expect(login.status).toBe(302)
    const sent = new URL(login.location!).searchParams
    expect(sent.get('login_hint')).toBe('bob')
    expect(sent.get('prompt')).toBe('login')
    expect(sent.get('ui_locales')).toBeNull()
  })
})
