/**
 * The examples contract (DESIGN.md), driven from outside as a user would: each example is
 * started with `pnpm --dir examples/<name> start` and no OIDC_* variables, so it starts the
 * embedded dev provider.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signIn, SignInError } from '@oidc-rp/testing'
import { startExample } from '../support/example-process.js'
import { get } from '../support/http.js'

describe.each(['express', 'fastify', 'koa'])('examples/%s', (name) => {
  let app: Awaited<ReturnType<typeof startExample>>

  beforeAll(async () => {
    app = await startExample(name)
  }, 60_000)
  afterAll(async () => {
    await app?.stop()
  })

  it('prints the URL and the users it knows', async () => {
    // The list is written line by line after the URL: it may still be on its way.
    await expect.poll(() => app.output()).toMatch(/alice .*admins/)
    await expect.poll(() => app.output()).toMatch(/bob .*developers/)
    await expect.poll(() => app.output()).toMatch(/dave .*dave@example\.com/)
  })

  it('serves a public home page with a sign-in button', async () => {
    const home = await get(`${app.url}/`, undefined, 'text/html')
    expect(home.status).toBe(200)
    expect(home.body).toContain('Sign in')
  })

  it('guards /me and /admin: 302 to login for a browser, 401 for an API client', async () => {
    const browser = await get(`${app.url}/me`, undefined, 'text/html')
    expect(browser.status).toBe(302)
    expect(browser.location).toBe('/login?returnTo=%2Fme')
    expect((await get(`${app.url}/me`)).status).toBe(401)
    expect((await get(`${app.url}/admin`)).status).toBe(401)
  })

  it('signs alice in: /me has her claims with sub at the top level, /admin answers { ok: true }', async () => {
    const { cookie } = await signIn(app.url, 'alice')
    const me = await get(`${app.url}/me`, cookie)
    expect(me.status).toBe(200)
    expect(JSON.parse(me.body)).toMatchObject({ sub: 'alice', groups: ['admins', 'developers'] })
    const admin = await get(`${app.url}/admin`, cookie)
    expect(admin.status).toBe(200)
    expect(JSON.parse(admin.body)).toEqual({ ok: true })
    const home = await get(`${app.url}/`, cookie, 'text/html')
    expect(home.body).toContain('Alice Admin')
  })

  it('gives bob 403 at /admin', async () => {
    const { cookie } = await signIn(app.url, 'bob')
    expect((await get(`${app.url}/admin`, cookie)).status).toBe(403)
  })

  it('refuses dave, whose email is not verified, with a 403 page saying so; alice still signs in', async () => {
    const refused = await signIn(app.url, 'dave').then(
      () => undefined,
      (err: unknown) => err,
    )
    expect(refused).toBeInstanceOf(SignInError)
    const error = refused as SignInError
    expect(error.step).toBe('app callback')
    expect(error.status).toBe(403)
    expect(error.message).toContain('The email address dave@example.com is not verified')
    // one warning line says why, with the hook's reason code
    await expect.poll(() => app.output()).toMatch(/sign-in refused \[email_unverified\]/)
    const { cookie } = await signIn(app.url, 'alice')
    expect((await get(`${app.url}/me`, cookie)).status).toBe(200)
  })

  it('logs out, and the old cookie no longer authenticates', async () => {
    const { cookie } = await signIn(app.url, 'alice')
    expect((await get(`${app.url}/logout`, cookie, 'text/html')).status).toBe(302)
    expect((await get(`${app.url}/me`, cookie)).status).toBe(401)
  })
})
