import { sign, unsign } from 'cookie-signature'
import { describe, expect, it } from 'vitest'
import { drivers } from './drivers.js'
import { cookiesSet, expectRefused, expectSignedIn, summary } from './expectations.js'
import { parseSetCookie } from '../../packages/testing/src/cookie-jar.js'
import { useHarness } from './harness.js'

describe.each(drivers)('$name: login transactions', (driver) => {
  const harness = useHarness(driver)

  it('refuses a replay of the callback, with the cookies the browser had before, after a sign-in', async () => {
    const first = await harness.dance()
    await expectSignedIn(harness, first)
    const replayer = harness.browser({ jar: first.jarBeforeCallback.clone() })
    const callback = await replayer.navigate(first.callbackUrl)
    await expectRefused(harness, { browser: replayer, callback })
  })

  it('refuses that replay on its own, even when the provider would redeem the code again', async () => {
    harness.rogue.bend({ reusableCodes: true })
    const first = await harness.dance()
    await expectSignedIn(harness, first)
    const replayer = harness.browser({ jar: first.jarBeforeCallback.clone() })
    const callback = await replayer.navigate(first.callbackUrl)
    await expectRefused(harness, { browser: replayer, callback })
    expect(harness.rogue.requests.token, 'the replayed code is not redeemed again').toBe(1)
  })

  it('refuses a callback without the login-transaction cookie', async () => {
    const reached = await harness.reachCallback()
    const stranger = harness.browser()
    const callback = await stranger.navigate(reached.callbackUrl)
    await expectRefused(harness, { browser: stranger, callback })
  })

  it('refuses a tampered login-transaction cookie', async () => {
    const reached = await harness.reachCallback()
    const set = cookiesSet(reached.login).flatMap((header) => parseSetCookie(header, reached.login.url) ?? [])
    expect(set.length, 'GET /login sets the login-transaction cookie').toBeGreaterThan(0)
    for (const cookie of set) {
      const index = Math.floor(cookie.value.length / 3)
      const flipped =
        cookie.value.slice(0, index) + (cookie.value[index] === 'A' ? 'B' : 'A') + cookie.value.slice(index + 1)
      reached.browser.jar.store(harness.url('/'), [`${cookie.name}=${flipped}; Path=${cookie.path}`])
    }
    const callback = await reached.browser.navigate(reached.callbackUrl)
    await expectRefused(harness, { browser: reached.browser, callback })
  })

  it('survives 50 abandoned logins in one browser: the site still answers and sign-in works', async () => {
    const browser = harness.browser()
    for (let attempt = 0; attempt < 50; attempt += 1) await browser.navigate(harness.url('/login'))
    const home = await browser.navigate(harness.url('/'))
    expect(
      home.status,
      `${summary(home)} with a Cookie header of ${browser.jar.header(harness.url('/')).length} bytes`,
    ).toBe(200)
    await expectSignedIn(harness, await harness.dance({ browser }))
  })

  // The transaction lives 10 minutes. Rather than wait, age it: rewrite its creation time and
  // sign it again with the app's secret, as an old cookie would be.
  it('refuses an expired login transaction', async () => {
    const reached = await harness.reachCallback()
    const set = cookiesSet(reached.login).flatMap((header) => parseSetCookie(header, reached.login.url) ?? [])
    expect(set.length, 'GET /login sets the login-transaction cookie').toBe(1)
    const secret = [harness.options.secret].flat()[0]
    for (const cookie of set) {
      const payload = unsign(decodeURIComponent(cookie.value), secret)
      expect(payload, 'the transaction cookie is signed with the secret').not.toBe(false)
      const tx = JSON.parse(Buffer.from(payload as string, 'base64url').toString()) as { createdAt: number }
      tx.createdAt -= 601
      const aged = sign(Buffer.from(JSON.stringify(tx)).toString('base64url'), secret)
      reached.browser.jar.store(harness.url('/'), [`${cookie.name}=${encodeURIComponent(aged)}; Path=${cookie.path}`])
    }
    const callback = await reached.browser.navigate(reached.callbackUrl)
    await expectRefused(harness, { browser: reached.browser, callback })
    expect(callback.body).toContain('expired')
  })

  // Bounded by construction: a fixed set of cookie slots, each of bounded size, whatever
  // the logins (at once, one after the other, with the longest returnTo kept).
  it('keeps at most 3 login-transaction cookies, however many logins run at once, and the Cookie header small', async () => {
    const browser = harness.browser()
    const returnTo = `/${'a'.repeat(1000)}`
    await Promise.all(Array.from({ length: 60 }, () => browser.navigate(harness.url(`/login?returnTo=${returnTo}`))))
    for (let attempt = 0; attempt < 10; attempt += 1) await browser.navigate(harness.url(`/login?returnTo=${returnTo}`))
    const header = browser.jar.header(harness.url('/'))
    const transactions = header.split('; ').filter((cookie) => cookie.startsWith('oidc.tx.'))
    expect(transactions.length).toBeLessThanOrEqual(3)
    expect(header.length, 'the Cookie header stays well under the 8 KB a proxy accepts').toBeLessThan(6 * 1024)
    const home = await browser.navigate(harness.url('/'))
    expect(home.status, summary(home)).toBe(200)
    await expectSignedIn(harness, await harness.dance({ browser }))
  })

  it("lets three tabs sign in at once; a fourth login takes the oldest one's place", async () => {
    const browser = harness.browser()
    const tabs = []
    for (let tab = 0; tab < 4; tab += 1) tabs.push(await harness.reachCallback({ browser }))
    const oldest = await browser.navigate(tabs[0].callbackUrl)
    expect(oldest.status, summary(oldest)).toBe(400)
    for (const tab of tabs.slice(1)) {
      const callback = await browser.navigate(tab.callbackUrl)
      expect(callback.status, summary(callback)).toBe(302)
    }
  })

  it('lets two logins run at once in one browser (two tabs)', async () => {
    const browser = harness.browser()
    const firstTab = await harness.reachCallback({ browser })
    const secondTab = await harness.reachCallback({ browser })
    expect(secondTab.callbackUrl.searchParams.get('state')).not.toBe(firstTab.callbackUrl.searchParams.get('state'))
    const callback = await browser.navigate(firstTab.callbackUrl)
    await expectSignedIn(harness, { browser, callback })
  })
})
