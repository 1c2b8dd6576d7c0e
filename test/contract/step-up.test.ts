import { describe, expect, it } from 'vitest'
import { drivers } from './drivers.js'
import { expectSignedIn, summary } from './expectations.js'
import { useHarness } from './harness.js'
import type { Harness } from './harness.js'
import type { Browser } from '../support/browser.js'

/** An ID token whose sign-in happened `seconds` ago. */
const authenticatedAgo = (seconds: number) => (claims: Record<string, unknown>) => ({
  ...claims,
  auth_time: Math.floor(Date.now() / 1000) - seconds,
})

/** From a guard's redirect to /login, through the provider, to the callback's answer. */
async function throughProvider(harness: Harness, browser: Browser, loginUrl: URL) {
  const login = await browser.navigate(loginUrl)
  expect(login.status, summary(login)).toBe(302)
  expect(login.location?.origin).toBe(harness.rogue.issuer)
  const authorize = await browser.navigate(login.location!)
  expect(authorize.status, summary(authorize)).toBe(302)
  const callback = await browser.navigate(authorize.location!)
  return { login, authorize, callback }
}

describe.each(drivers)('$name: step-up per route', (driver) => {
  const harness = useHarness(driver)

  it('sends a browser whose sign-in is too old through the provider with max_age, and back to the route', async () => {
    harness.rogue.bend({ claims: authenticatedAgo(120) })
    const dance = await harness.dance()
    await expectSignedIn(harness, dance)
    const refused = await dance.browser.navigate(harness.url('/recent?x=1'))
    expect(refused.status, summary(refused)).toBe(302)
    expect(refused.location?.pathname).toBe('/login')
    expect(refused.location?.searchParams.get('returnTo')).toBe('/recent?x=1')

    harness.rogue.reset()
    const { callback } = await throughProvider(harness, dance.browser, refused.location!)
    expect(harness.rogue.lastAuthorize?.get('max_age')).toBe('60')
    expect(callback.status, summary(callback)).toBe(302)
    expect(callback.location?.pathname + (callback.location?.search ?? '')).toBe('/recent?x=1')
    const recent = await dance.browser.navigate(callback.location!)
    expect(recent.status, summary(recent)).toBe(200)
    const body = JSON.parse(recent.body) as { ok: boolean; auth_time: number }
    expect(body.ok).toBe(true)
    expect(Math.abs(body.auth_time - Date.now() / 1000)).toBeLessThan(30)
  })

  it('lets a recent sign-in straight in', async () => {
    const dance = await harness.dance()
    const recent = await dance.browser.api(harness.url('/recent'))
    expect(recent.status, summary(recent)).toBe(200)
  })

  it('answers an API client with 401 and the RFC 9470 challenge', async () => {
    harness.rogue.bend({ claims: authenticatedAgo(120) })
    const dance = await harness.dance()
    const api = await dance.browser.api(harness.url('/recent'))
    expect(api.status, summary(api)).toBe(401)
    const challenge = api.headers.get('www-authenticate') ?? ''
    expect(challenge).toMatch(/^Bearer /)
    expect(challenge).toContain('error="insufficient_user_authentication"')
    expect(challenge).toContain('max_age=60')
    expect(challenge).toMatch(/error_description="[^"]+"/)
    expect(JSON.parse(api.body)).toMatchObject({ error: 'insufficient_user_authentication' })
  })

  it('never loops: a provider that ignores max_age gets the sign-in refused, and the old session stays', async () => {
    harness.rogue.bend({ claims: authenticatedAgo(120) })
    const dance = await harness.dance()
    const refused = await dance.browser.navigate(harness.url('/recent'))
    const { callback } = await throughProvider(harness, dance.browser, refused.location!)
    expect(callback.status, summary(callback)).toBeGreaterThanOrEqual(400)
    expect(callback.status).toBeLessThan(500)
    expect(callback.headers.get('location')).toBeNull()
    expect((await harness.me(dance.browser)).status).toBe(200)
  })

  it('asks for acr_values and refuses a sign-in that comes back without the acr asked (403, no loop)', async () => {
    harness.rogue.bend({ claims: { acr: 'urn:example:password' } })
    const dance = await harness.dance()
    const refused = await dance.browser.navigate(harness.url('/strong'))
    expect(refused.status, summary(refused)).toBe(302)
    const weak = await throughProvider(harness, dance.browser, refused.location!)
    expect(harness.rogue.lastAuthorize?.get('acr_values')).toBe('urn:example:mfa')
    expect(weak.callback.status, summary(weak.callback)).toBe(403)
    expect(weak.callback.body).toContain('urn:example:mfa')

    harness.rogue.bend({ claims: { acr: 'urn:example:mfa' } })
    const strong = await throughProvider(harness, dance.browser, refused.location!)
    expect(strong.callback.status, summary(strong.callback)).toBe(302)
    const page = await dance.browser.api(harness.url('/strong'))
    expect(page.status, summary(page)).toBe(200)
    expect(JSON.parse(page.body)).toEqual({ ok: true, acr: 'urn:example:mfa' })
  })

  it('checks the group before the age: a non-member gets 403, never a trip to the provider', async () => {
    harness.rogue.bend({ claims: { groups: ['developers'], auth_time: Math.floor(Date.now() / 1000) - 120 } })
    const dance = await harness.dance()
    const page = await dance.browser.navigate(harness.url('/admin-recent'))
    expect(page.status, summary(page)).toBe(403)
    harness.rogue.reset()
    harness.rogue.bend({ claims: authenticatedAgo(120) })
    const member = await harness.dance()
    const again = await member.browser.navigate(harness.url('/admin-recent'))
    expect(again.status, summary(again)).toBe(302)
  })

  it('does not let a browser choose what a guard asks: a forged or copied-out marker is ignored', async () => {
    const browser = harness.browser()
    const forged = await browser.navigate(harness.url('/login?returnTo=/&authn=eyJzaWxlbnQiOnRydWV9.forged&max_age=0'))
    expect(forged.status, summary(forged)).toBe(302)
    expect(forged.location?.searchParams.get('prompt')).toBeNull()
    expect(forged.location?.searchParams.get('max_age')).toBeNull()
  })
})
