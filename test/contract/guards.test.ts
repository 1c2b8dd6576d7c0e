import { describe, expect, it } from 'vitest'
import { drivers } from './drivers.js'
import { expectSignedIn, summary } from './expectations.js'
import { useHarness } from './harness.js'

describe.each(drivers)('$name: guards', (driver) => {
  const harness = useHarness(driver)

  it('sends an anonymous browser navigation to /login with returnTo', async () => {
    const page = await harness.browser().navigate(harness.url('/me?x=1'))
    expect(page.status, summary(page)).toBe(302)
    expect(page.location?.origin).toBe(harness.url('/').origin)
    expect(page.location?.pathname).toBe('/login')
    expect(page.location?.searchParams.get('returnTo')).toBe('/me?x=1')
  })

  it('answers an anonymous API call with 401 JSON and WWW-Authenticate', async () => {
    const me = await harness.me(harness.browser())
    expect(me.status, summary(me)).toBe(401)
    expect(me.headers.get('www-authenticate')).toBeTruthy()
    expect(me.headers.get('content-type')).toMatch(/json/)
  })

  it('answers 403, never a redirect, when signed in without the group', async () => {
    harness.rogue.bend({ claims: { groups: ['developers'] } })
    const dance = await harness.dance()
    expect(dance.callback.status, summary(dance.callback)).toBe(302)
    const api = await dance.browser.api(harness.url('/admin'))
    expect(api.status, summary(api)).toBe(403)
    const page = await dance.browser.navigate(harness.url('/admin'))
    expect(page.status, summary(page)).toBe(403)
  })

  it('lets a member of the group in', async () => {
    const dance = await harness.dance()
    await expectSignedIn(harness, dance)
    const admin = await dance.browser.api(harness.url('/admin'))
    expect(admin.status, summary(admin)).toBe(200)
    expect(JSON.parse(admin.body)).toEqual({ ok: true })
  })

  it('logs out: the session is gone and the browser goes to the end_session_endpoint', async () => {
    const dance = await harness.dance()
    await expectSignedIn(harness, dance)
    const before = dance.browser.jar.clone()
    const logout = await dance.browser.navigate(harness.url('/logout'))
    expect(logout.status, summary(logout)).toBe(302)
    expect(logout.location?.href.startsWith(`${harness.rogue.issuer}/end_session`), summary(logout)).toBe(true)
    expect((await harness.me(dance.browser)).status).toBe(401)
    // the old cookie, kept by an attacker, is dead too
    const kept = harness.browser({ jar: before })
    expect((await harness.me(kept)).status).toBe(401)
  })
})
