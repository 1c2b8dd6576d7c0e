import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from '../support/browser.js'
import { startRogueProvider, type RogueProvider } from '../support/rogue-provider.js'
import { drivers } from './drivers.js'
import { summary } from './expectations.js'
import { useHarness, type Harness } from './harness.js'

/** Signs in at the instance mounted at `mount` ('' for the first), in `browser`. */
async function signIn(harness: Harness, browser: Browser, mount: string, issuer: string): Promise<void> {
  const login = await browser.navigate(harness.url(`${mount}/login`))
  expect(login.status, summary(login)).toBe(302)
  expect(login.location?.origin).toBe(new URL(issuer).origin)
  const authorize = await browser.navigate(login.location!)
  expect(authorize.location?.pathname).toBe(`${mount}/callback`)
  const callback = await browser.navigate(authorize.location!)
  expect(callback.status, summary(callback)).toBe(302)
}

describe.each(drivers)('$name: several instances in one app', (driver) => {
  const harness = useHarness(driver)
  let other: RogueProvider
  beforeAll(async () => {
    other = await startRogueProvider()
  })
  afterAll(async () => {
    await other.close()
  })
  const second = (cookies?: { prefix: string }) => ({
    mount: '/b',
    options: {
      issuer: other.issuer,
      clientId: other.clientId,
      clientSecret: other.clientSecret,
      secret: `second-${randomBytes(24).toString('base64url')}`,
      authRequired: false,
      ...(cookies === undefined ? {} : { cookies }),
    },
  })

  it('signs in to two instances on different mounts and providers, and out of one', async () => {
    other.reset()
    other.bend({ claims: { sub: 'bob' } })
    await harness.startApp({}, { second: second({ prefix: 'b.' }) })
    const browser = harness.browser()
    await signIn(harness, browser, '', harness.rogue.issuer)
    await signIn(harness, browser, '/b', other.issuer)
    const a = await browser.api(harness.url('/me'))
    const b = await browser.api(harness.url('/b/me'))
    expect(a.status, summary(a)).toBe(200)
    expect(b.status, summary(b)).toBe(200)
    expect((JSON.parse(a.body) as { sub: string }).sub).toBe('alice')
    expect((JSON.parse(b.body) as { sub: string }).sub).toBe('bob')

    const out = await browser.navigate(harness.url('/b/logout'))
    expect(out.status, summary(out)).toBe(302)
    expect((await browser.api(harness.url('/b/me'))).status).toBe(401)
    expect((await browser.api(harness.url('/me'))).status).toBe(200)
  })

  it('interfere when they share cookie names (what the prefix is for)', async () => {
    other.reset()
    await harness.startApp({}, { second: second() })
    const browser = harness.browser()
    await signIn(harness, browser, '', harness.rogue.issuer)
    await signIn(harness, browser, '/b', other.issuer)
    expect((await browser.api(harness.url('/me'))).status).toBe(401)
  })

  it('sets cookies with the configured prefix, path and SameSite', async () => {
    await harness.startApp({ cookies: { prefix: 'app1.', path: '/', sameSite: 'strict' } })
    const dance = await harness.dance()
    const names = dance.callback.setCookies.map((c) => c.split('=')[0])
    expect(names).toContain('app1.session')
    expect(names.some((n) => n?.startsWith('oidc.'))).toBe(false)
    const session = dance.callback.setCookies.find((c) => c.startsWith('app1.session='))
    expect(session).toMatch(/SameSite=Strict/i)
    expect(dance.login.setCookies.some((c) => c.startsWith('app1.tx.') && /SameSite=Lax/i.test(c))).toBe(true)
  })

  it('refuses at start-up a cookie option a browser would not accept', async () => {
    await expect(harness.startApp({ cookies: { sameSite: 'none' } })).rejects.toThrow(/OIDC_COOKIE_SAME_SITE/)
    await expect(harness.startApp({ cookies: { domain: 'other.example' } })).rejects.toThrow(/cookies\.domain/)
    await expect(harness.startApp({ cookies: { prefix: '__Host-x' } })).rejects.toThrow(/cookies\.prefix/)
  })
})
