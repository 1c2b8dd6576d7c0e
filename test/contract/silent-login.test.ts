import { describe, expect, it } from 'vitest'
import { drivers } from './drivers.js'
import { summary } from './expectations.js'
import { useHarness } from './harness.js'

describe.each(drivers)('$name: silent sign-in', (driver) => {
  const harness = useHarness(driver)

  it('tries prompt=none once, falls back quietly on login_required, and does not try again', async () => {
    const browser = harness.browser()
    const first = await browser.navigate(harness.url('/silent?p=1'))
    expect(first.status, summary(first)).toBe(302)
    const login = await browser.navigate(first.location!)
    expect(login.location?.searchParams.get('prompt')).toBe('none')
    harness.rogue.bend({ authorize: { error: 'login_required' } })
    const authorize = await browser.navigate(login.location!)
    const callback = await browser.navigate(authorize.location!)
    expect(callback.status, summary(callback)).toBe(302)
    expect(callback.location?.href).toBe(harness.url('/silent?p=1').href)
    const page = await browser.navigate(callback.location!)
    expect(page.status, summary(page)).toBe(200)
    expect(JSON.parse(page.body)).toEqual({ authenticated: false })
  })

  it.each(['interaction_required', 'consent_required'])('falls back quietly on %s', async (error) => {
    const browser = harness.browser()
    const first = await browser.navigate(harness.url('/silent'))
    const login = await browser.navigate(first.location!)
    harness.rogue.bend({ authorize: { error } })
    const authorize = await browser.navigate(login.location!)
    const callback = await browser.navigate(authorize.location!)
    expect(callback.location?.pathname, summary(callback)).toBe('/silent')
  })

  it('comes back signed in when the provider has a session', async () => {
    const browser = harness.browser()
    const first = await browser.navigate(harness.url('/silent'))
    const login = await browser.navigate(first.location!)
    const authorize = await browser.navigate(login.location!)
    const callback = await browser.navigate(authorize.location!)
    expect(callback.status, summary(callback)).toBe(302)
    const page = await browser.navigate(callback.location!)
    expect(JSON.parse(page.body)).toEqual({ authenticated: true })
  })

  it('leaves the visitor on the page, signed out, when the provider cannot be reached', async () => {
    harness.rogue.bend({ down: 503, affects: ['discovery'] })
    const browser = harness.browser()
    const first = await browser.navigate(harness.url('/silent?p=2'))
    const login = await browser.navigate(first.location!)
    expect(login.status, summary(login)).toBe(302)
    expect(login.location?.href).toBe(harness.url('/silent?p=2').href)
    const page = await browser.navigate(login.location!)
    expect(JSON.parse(page.body)).toEqual({ authenticated: false })
  })

  it('leaves API calls alone, and an ordinary sign-in answered with login_required is still an error', async () => {
    const api = await harness.browser().api(harness.url('/silent'))
    expect(api.status, summary(api)).toBe(200)
    expect(JSON.parse(api.body)).toEqual({ authenticated: false })
    harness.rogue.bend({ authorize: { error: 'login_required' } })
    const browser = harness.browser()
    const login = await browser.navigate(harness.url('/login'))
    const authorize = await browser.navigate(login.location!)
    const callback = await browser.navigate(authorize.location!)
    expect(callback.status, summary(callback)).toBeGreaterThanOrEqual(400)
  })
})
