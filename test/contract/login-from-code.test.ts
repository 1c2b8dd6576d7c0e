import { describe, expect, it } from 'vitest'
import { drivers } from './drivers.js'
import { expectSignedIn, summary } from './expectations.js'
import { useHarness } from './harness.js'

describe.each(drivers)('$name: login parameters, login and logout from code', (driver) => {
  const harness = useHarness(driver)

  it('passes no browser parameter to the provider by default', async () => {
    const login = await harness.browser().navigate(harness.url('/login?login_hint=bob&prompt=login&ui_locales=fr'))
    expect(login.status, summary(login)).toBe(302)
    const sent = login.location!.searchParams
    expect(sent.get('login_hint')).toBeNull()
    expect(sent.get('prompt')).toBeNull()
    expect(sent.get('ui_locales')).toBeNull()
  })

  it('passes the allow-listed parameters, drops overlong values, and never lets state, nonce, PKCE or scope through', async () => {
    await harness.startApp({ loginParams: ['login_hint', 'prompt'] })
    const query =
      '/login?login_hint=bob&prompt=login&ui_locales=fr&state=evil&nonce=evil&scope=openid%20admin&code_challenge=evil&redirect_uri=http://evil.example/cb'
    const login = await harness.browser().navigate(harness.url(query))
    const sent = login.location!.searchParams
    expect(sent.get('login_hint')).toBe('bob')
    expect(sent.get('prompt')).toBe('login')
    expect(sent.get('ui_locales')).toBeNull()
    expect(sent.get('state')).not.toBe('evil')
    expect(sent.get('nonce')).not.toBe('evil')
    expect(sent.get('code_challenge')).not.toBe('evil')
    expect(sent.get('scope')).not.toContain('admin')
    expect(sent.get('redirect_uri')).toBe(harness.url('/callback').href)
    const long = await harness.browser().navigate(harness.url(`/login?login_hint=${'b'.repeat(300)}`))
    expect(long.location!.searchParams.get('login_hint')).toBeNull()
  })

  it('refuses at start-up to allow-list a parameter the middleware sets itself, naming option and variable', async () => {
    for (const name of ['state', 'nonce', 'code_challenge', 'redirect_uri', 'scope']) {
      await expect(harness.startApp({ loginParams: ['login_hint', name] })).rejects.toThrow(/loginParams/)
    }
  })

  it("turns the built-in login off and signs in through the app's own route with oidc.login()", async () => {
    await harness.startApp({ routes: { login: false } })
    const browser = harness.browser()
    const builtIn = await browser.navigate(harness.url('/login'))
    expect(builtIn.status, summary(builtIn)).toBe(404)
    const own = await browser.navigate(harness.url('/own-login?returnTo=/me'))
    expect(own.status, summary(own)).toBe(302)
    expect(own.location?.origin).toBe(harness.rogue.issuer)
    expect(own.location?.searchParams.get('prompt')).toBe('login')
    const authorize = await browser.navigate(own.location!)
    const callback = await browser.navigate(authorize.location!)
    expect(callback.status, summary(callback)).toBe(302)
    expect(callback.location?.href).toBe(harness.url('/me').href)
    expect((await harness.me(browser)).status).toBe(200)
  })

  it('sends returnTo of oidc.login() through the same-origin check', async () => {
    const browser = harness.browser()
    const own = await browser.navigate(harness.url('/own-login?returnTo=//evil.example/x'))
    const authorize = await browser.navigate(own.location!)
    const callback = await browser.navigate(authorize.location!)
    expect(callback.status, summary(callback)).toBe(302)
    expect(callback.location?.href).toBe(harness.url('/').href)
  })

  it('signs out with oidc.logout(): the session ends and the browser lands on returnTo, not the provider', async () => {
    const dance = await harness.dance()
    await expectSignedIn(harness, dance)
    const out = await dance.browser.request(harness.url('/own-logout?returnTo=/bye'), { method: 'POST' })
    expect(out.status, summary(out)).toBe(302)
    expect(out.location?.href).toBe(harness.url('/bye').href)
    expect((await harness.me(dance.browser)).status).toBe(401)
    const evil = await dance.browser.request(harness.url('/own-logout?returnTo=https://evil.example/'), {
      method: 'POST',
    })
    expect(evil.location?.origin).toBe(harness.url('/').origin)
  })
})
