import { describe, expect, it } from 'vitest'
import { drivers } from './drivers.js'
import { expectSignedIn, summary } from './expectations.js'
import { useHarness } from './harness.js'

describe.each(drivers)('$name: a provider that is down', (driver) => {
  const harness = useHarness(driver)

  it.each([
    ['refusing connections', 'destroy'],
    ['answering 503', 503],
  ] as const)(
    'starts anyway, answers sign-in with 503 and Retry-After while the provider is %s, and recovers by itself',
    async (_how, down) => {
      harness.rogue.bend({ down })
      await harness.startApp()
      const browser = harness.browser()
      const home = await browser.navigate(harness.url('/'))
      expect(home.status, summary(home)).toBe(200)
      const login = await browser.navigate(harness.url('/login'))
      expect(login.status, summary(login)).toBe(503)
      expect(login.headers.get('retry-after'), summary(login)).toMatch(/^\d+$/)

      harness.rogue.bend({ down: false })
      await new Promise((resolve) => setTimeout(resolve, 2100)) // discovery is retried at most every 2 s
      await expectSignedIn(harness, await harness.dance({ browser }))
    },
  )
})
