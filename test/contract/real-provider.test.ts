/**
 * The contract against a real, certified OpenID Provider (oidc-provider, through
 * @oidc-rp/testing): sign-in with every signing algorithm, groups, guards, logout and
 * session timeouts, for every adapter.
 */
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signIn, startDevProvider, type DevProvider } from '@oidc-rp/testing'
import { get } from '../support/http.js'
import { drivers, type AppOptions, type RunningApp } from './drivers.js'

const secret = () => randomBytes(32).toString('base64url')
const algs = ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'] as const

describe.each(drivers)('$name against a real OpenID Provider', (driver) => {
  let provider: DevProvider
  const apps: RunningApp[] = []

  beforeAll(async () => {
    provider = await startDevProvider({
      clients: algs.map((alg) => ({
        clientId: `app-${alg}`,
        clientSecret: `${alg}-${secret()}`,
        idTokenSigningAlg: alg,
      })),
    })
  })
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()))
    await provider.close()
  })

  async function start(alg: (typeof algs)[number] = 'RS256', extra: Partial<AppOptions> = {}): Promise<RunningApp> {
    const client = provider.clients.find((c) => c.clientId === `app-${alg}`)!
    const app = await driver.start({
      issuer: provider.issuer,
      clientId: client.clientId,
      clientSecret: client.clientSecret!,
      secret: secret(),
      authRequired: false,
      ...extra,
    })
    apps.push(app)
    return app
  }

  it.each(algs)(
    'signs alice in with an ID token signed %s: /me has her claims and groups, /admin is allowed',
    async (alg) => {
      const app = await start(alg)
      const { cookie, location } = await signIn(app.url, 'alice', { returnTo: '/me' })
      expect(location).toBe('/me')
      const me = await get(`${app.url}/me`, cookie)
      expect(me.status).toBe(200)
      expect(JSON.parse(me.body)).toMatchObject({
        sub: 'alice',
        email: 'alice@example.com',
        name: 'Alice Admin',
        groups: ['admins', 'developers'],
      })
      expect(JSON.parse(me.body)).not.toHaveProperty('nonce')
      expect((await get(`${app.url}/admin`, cookie)).status).toBe(200)
    },
  )

  it('gives bob 403 at /admin, as JSON for an API and a page for a browser, never a redirect', async () => {
    const app = await start()
    const { cookie } = await signIn(app.url, 'bob')
    expect((await get(`${app.url}/me`, cookie)).status).toBe(200)
    const api = await get(`${app.url}/admin`, cookie)
    expect(api.status).toBe(403)
    expect(JSON.parse(api.body)).toMatchObject({ error: 'forbidden' })
    const page = await get(`${app.url}/admin`, cookie, 'text/html')
    expect(page.status).toBe(403)
    expect(page.location).toBeNull()
    expect(page.body).toContain('admins')
  })

  it('sends a signed-out browser to sign in and an API client a 401', async () => {
    const app = await start()
    const browser = await get(`${app.url}/admin?tab=1`, undefined, 'text/html,application/xhtml+xml')
    expect(browser.status).toBe(302)
    expect(browser.location).toBe('/login?returnTo=%2Fadmin%3Ftab%3D1')
    const api = await get(`${app.url}/me`)
    expect(api.status).toBe(401)
  })

  it("accepts the provider's ID tokens as bearer tokens from services, with the same guards", async () => {
    const app = await start('RS256', { bearer: true })
    const bearer = async (path: string, user: string) => {
      const token = await provider.issueIdToken(user, { clientId: 'app-RS256' })
      const response = await fetch(app.url + path, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      })
      return { status: response.status, body: await response.text() }
    }
    const me = await bearer('/me', 'alice')
    expect(me.status).toBe(200)
    expect(JSON.parse(me.body)).toMatchObject({ sub: 'alice', groups: ['admins', 'developers'] })
    expect((await bearer('/admin', 'alice')).status).toBe(200)
    expect((await bearer('/admin', 'bob')).status).toBe(403)
  })

  it('refreshes on demand (refresh()), with the groups the provider has now, and fetches userinfo', async () => {
    const app = await start()
    const { cookie } = await signIn(app.url, 'alice')
    const before = provider.stats.tokenRequests.refresh_token ?? 0
    provider.setGroups('alice', ['developers', 'oncall'])
    try {
      const refreshed = await fetch(`${app.url}/refresh`, {
        method: 'POST',
        headers: { cookie, accept: 'application/json' },
      })
      expect(refreshed.status).toBe(200)
      expect(await refreshed.json()).toMatchObject({ groups: ['developers', 'oncall'] })
      expect(provider.stats.tokenRequests.refresh_token).toBe(before + 1)
      expect((await get(`${app.url}/admin`, cookie)).status).toBe(403)
    } finally {
      provider.setGroups('alice', ['admins', 'developers'])
    }
    const info = await get(`${app.url}/userinfo`, cookie)
    expect(info.status).toBe(200)
    expect(JSON.parse(info.body)).toMatchObject({ sub: 'alice', email: 'alice@example.com' })
  })

  it('logs out: the session is destroyed on the server and the provider is asked to end its own', async () => {
    const app = await start()
    const { cookie } = await signIn(app.url, 'alice')
    const logout = await get(`${app.url}/logout`, cookie, 'text/html')
    expect(logout.status).toBe(302)
    const endSession = new URL(logout.location!)
    expect(endSession.origin + endSession.pathname).toBe(`${provider.issuer}/session/end`)
    expect(endSession.searchParams.get('id_token_hint')).toBeTruthy()
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${app.url}/`)
    expect((await get(`${app.url}/me`, cookie)).status).toBe(401)
  })

  it('ends a session left unused for longer than the idle timeout', async () => {
    // Times are whole seconds: an idle timeout of 1 s can pass before the first request.
    const app = await start('RS256', { session: { idleTimeout: 2 } })
    const { cookie } = await signIn(app.url, 'alice')
    expect((await get(`${app.url}/me`, cookie)).status).toBe(200)
    await sleep(3300)
    expect((await get(`${app.url}/me`, cookie)).status).toBe(401)
  })

  it('ends a session in use at its absolute timeout', async () => {
    const app = await start('RS256', { session: { idleTimeout: 60, absoluteTimeout: 2 } })
    const { cookie } = await signIn(app.url, 'alice')
    for (let i = 0; i < 3; i += 1) {
      expect((await get(`${app.url}/me`, cookie)).status).toBe(200)
      await sleep(400)
    }
    await sleep(1200)
    expect((await get(`${app.url}/me`, cookie)).status).toBe(401)
  })
})
