/**
 * Stateless sessions have a size budget (issue 11). A provider that sends hundreds of
 * groups must never leave a browser holding session cookies it cannot send back: Node
 * answers 431 to a header block over 16 KB, nginx 400 to a header line over 8 KB, for every
 * request, /login included, until the cookies expire. So a session that does not fit is
 * refused at sign-in and ended at refresh, and what is written stays within the budget.
 */
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import type { Browser, Exchange } from '../support/browser.js'
import { parseSetCookie } from '../../packages/testing/src/cookie-jar.js'
import { drivers } from './drivers.js'
import { cookiesSet, summary } from './expectations.js'
import { useHarness, type Harness } from './harness.js'

/** The promises of packages/core/src/session/cookie-sessions.ts, checked from outside. */
const SET_COOKIE_MAX = 4000 // each Set-Cookie line, attributes included (browsers: 4096)
const SESSION_BUDGET = 5000 // what the session's chunks add to the Cookie header line

const SESSION_COOKIE = /^(?:__Host-)?oidc\.session\.\d+$/

/** Long-ish, distinct group names, as directories hand them out. */
function groups(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `group-${String(i + 1).padStart(4, '0')}-engineering`)
}

describe.each(drivers)('$name: stateless sessions stay within the cookie budget', (driver) => {
  const harness = useHarness(driver)
  let warn: MockInstance<(...args: unknown[]) => void>

  beforeEach(async () => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    await harness.startApp({ session: { stateless: true } })
  })
  afterEach(() => {
    warn.mockRestore()
  })

  it('keeps a normal session in one small cookie, with every claim of the ID token', async () => {
    const dance = await harness.dance()
    expect(dance.callback.status, summary(dance.callback)).toBe(302)
    expectWritesWithinBudget(harness.log)
    expect(sessionCookies(harness, dance.browser)).toHaveLength(1)
    const me = await harness.me(dance.browser)
    expect(me.status, summary(me)).toBe(200)
    // The claims come back whole, whatever the cookie keeps of them.
    expect(JSON.parse(me.body)).toEqual({
      sub: 'alice',
      email: 'alice@example.com',
      email_verified: true,
      name: 'Alice Example',
      groups: ['admins', 'developers'],
    })
    // A refresh checks the new ID token's iss, sub and aud against the session's claims.
    const refreshed = await dance.browser.api(harness.url('/refresh'), { method: 'POST' })
    expect(refreshed.status, summary(refreshed)).toBe(200)
    expectWritesWithinBudget(harness.log)
    expect(sessionCookies(harness, dance.browser)).toHaveLength(1)
    expect((await dance.browser.api(harness.url('/admin'))).status).toBe(200)
  })

  it('signs in with 700 groups within the budget', async () => {
    harness.rogue.bend({ claims: { groups: ['admins', ...groups(700)] } })
    const dance = await harness.dance()
    expect(dance.callback.status, summary(dance.callback)).toBe(302)
    expectWritesWithinBudget(harness.log)
    expect(sessionBytes(harness, dance.browser)).toBeLessThanOrEqual(SESSION_BUDGET)
    const me = await harness.me(dance.browser)
    expect(me.status, summary(me)).toBe(200)
    expect((JSON.parse(me.body) as { groups: string[] }).groups).toEqual(['admins', ...groups(700)])
    await expectUsable(harness, dance.browser)
  })

  it('refuses a sign-in with 1,500 groups, naming a server-side store, and the browser still works', async () => {
    harness.rogue.bend({ claims: { groups: ['admins', ...groups(1500)] } })
    const dance = await harness.dance()
    expect(dance.callback.status, summary(dance.callback)).toBe(500)
    expect(dance.callback.body).toMatch(/does not fit in cookies/)
    expect(dance.callback.body).toMatch(/server-side session store/)
    expect(cookiesSet(dance.callback).filter(isSessionCookie), 'a refused sign-in sets no session cookie').toEqual([])
    expectWritesWithinBudget(harness.log)
    expect(sessionCookies(harness, dance.browser)).toEqual([])
    expect((await harness.me(dance.browser)).status).toBe(401)
    await expectUsable(harness, dance.browser)
  })

  it('ends a session that grows past the budget at refresh: signed out once, with a warning, not a 500 on every request', async () => {
    harness.rogue.bend({ expiresIn: 2 })
    const dance = await harness.dance()
    expect((await harness.me(dance.browser)).status).toBe(200)
    harness.rogue.bend({ claims: { groups: ['admins', ...groups(1500)] } })
    await new Promise((resolve) => setTimeout(resolve, 1200)) // the access token is now due for refresh
    const refreshesBefore = harness.rogue.requests.token
    const me = await harness.me(dance.browser)
    expect(harness.rogue.requests.token, 'the refresh happened').toBe(refreshesBefore + 1)
    expect(me.status, summary(me)).toBe(401)
    expectWritesWithinBudget(harness.log)
    expect(sessionCookies(harness, dance.browser), 'the session cookies are cleared').toEqual([])
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/budget/))
    expect((await harness.me(dance.browser)).status).toBe(401)
    await expectUsable(harness, dance.browser)
  })

  it('ends the session when a forced refresh (req.oidc.refresh()) makes it too large', async () => {
    const dance = await harness.dance()
    expect((await harness.me(dance.browser)).status).toBe(200)
    harness.rogue.bend({ claims: { groups: ['admins', ...groups(1500)] } })
    const refreshed = await dance.browser.api(harness.url('/refresh'), { method: 'POST' })
    expect(refreshed.status, summary(refreshed)).toBe(401)
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/budget/))
    // Cleared by this answer, or (where the framework drops headers on an error) by the next.
    expect((await harness.me(dance.browser)).status).toBe(401)
    expectWritesWithinBudget(harness.log)
    expect(sessionCookies(harness, dance.browser)).toEqual([])
    await expectUsable(harness, dance.browser)
  })
})

function isSessionCookie(header: string): boolean {
  return SESSION_COOKIE.test(header.slice(0, header.indexOf('=')))
}

/** The session's cookies the browser sends to the app, as `name=value`. */
function sessionCookies(harness: Harness, browser: Browser): string[] {
  return browser.jar
    .header(harness.url('/'))
    .split('; ')
    .filter((cookie) => SESSION_COOKIE.test(cookie.slice(0, cookie.indexOf('='))))
}

/** Bytes the session's cookies add to the Cookie request header (`name=value; ` each). */
function sessionBytes(harness: Harness, browser: Browser): number {
  return sessionCookies(harness, browser).reduce((sum, cookie) => sum + cookie.length + 2, 0)
}

/** No response of the app set a cookie over the per-cookie limit, nor session chunks over the budget. */
function expectWritesWithinBudget(log: readonly Exchange[]): void {
  for (const exchange of log) {
    for (const header of exchange.setCookies)
      expect(header.length, `Set-Cookie of ${summary(exchange)}`).toBeLessThanOrEqual(SET_COOKIE_MAX)
    const written = exchange.setCookies.filter(
      (header) => isSessionCookie(header) && parseSetCookie(header, exchange.url)?.deleted === false,
    )
    const bytes = written.reduce((sum, header) => sum + header.slice(0, header.indexOf(';')).length + 2, 0)
    expect(bytes, `session cookies written by ${summary(exchange)}`).toBeLessThanOrEqual(SESSION_BUDGET)
  }
}

/** The app answers normally with what the browser now holds: no 431, and a new sign-in can start. */
async function expectUsable(harness: Harness, browser: Browser): Promise<void> {
  const home = await browser.navigate(harness.url('/'))
  expect(home.status, summary(home)).toBe(200)
  const login = await browser.navigate(harness.url('/login'))
  expect(login.status, summary(login)).toBe(302)
  expect(login.location?.origin).toBe(new URL(harness.rogue.issuer).origin)
}
