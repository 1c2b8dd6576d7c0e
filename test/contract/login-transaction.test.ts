import { describe, expect, it } from 'vitest'
import { drivers } from './drivers.js'
import { expectRefused, expectSignedIn } from './expectations.js'
import { useHarness } from './harness.js'

describe.each(drivers)('$name: the login transaction is one-use', (driver) => {
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
  })

  it('refuses a callback without the login-transaction cookie', async () => {
    const reached = await harness.reachCallback()
    const stranger = harness.browser()
    const callback = await stranger.navigate(reached.callbackUrl)
    await expectRefused(harness, { browser: stranger, callback })
  })

  // The transaction lives about 10 minutes. Reaching its end needs either a real 10-minute
  // wait or a faked clock in the app's process, which a driver running the app elsewhere
  // cannot offer; the contract has no option to shorten it. Skipped on purpose.
  it.skip('refuses an expired login transaction', () => {})

  it('lets two logins run at once in one browser (two tabs)', async () => {
    const browser = harness.browser()
    const firstTab = await harness.reachCallback({ browser })
    const secondTab = await harness.reachCallback({ browser })
    expect(secondTab.callbackUrl.searchParams.get('state')).not.toBe(firstTab.callbackUrl.searchParams.get('state'))
    const callback = await browser.navigate(firstTab.callbackUrl)
    await expectSignedIn(harness, { browser, callback })
  })
})
