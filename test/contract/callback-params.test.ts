import { describe, expect, it } from 'vitest'
import type { AuthorizeOverrides } from '../support/rogue-provider.js'
import { drivers } from './drivers.js'
import { expectRefused } from './expectations.js'
import { useHarness } from './harness.js'

const cases: { name: string; authorize: AuthorizeOverrides }[] = [
  { name: 'state missing from the callback', authorize: { state: null } },
  { name: 'a wrong iss parameter', authorize: { iss: 'https://evil.example' } },
  { name: 'the iss parameter missing while discovery advertises RFC 9207', authorize: { iss: null } },
]

describe.each(drivers)('$name: callback parameter refusals', (driver) => {
  const harness = useHarness(driver)

  it.each(cases)('refuses $name', async ({ authorize }) => {
    harness.rogue.bend({ authorize })
    await expectRefused(harness, await harness.dance())
    expect(harness.rogue.requests.token, 'refused before the code is redeemed').toBe(0)
  })

  it('refuses an altered state', async () => {
    const reached = await harness.reachCallback()
    const state = reached.callbackUrl.searchParams.get('state') ?? ''
    expect(state.length).toBeGreaterThan(0)
    const altered = new URL(reached.callbackUrl)
    altered.searchParams.set('state', flipOneCharacter(state))
    const callback = await reached.browser.navigate(altered)
    await expectRefused(harness, { browser: reached.browser, callback })
    expect(harness.rogue.requests.token, 'refused before the code is redeemed').toBe(0)
  })

  it('refuses a provider error response without reflecting its description', async () => {
    const description = '<script>alert(1)</script>'
    harness.rogue.bend({ authorize: { error: 'access_denied', error_description: description } })
    const dance = await harness.dance()
    expect(dance.callbackUrl.searchParams.get('error_description')).toBe(description)
    await expectRefused(harness, dance)
    expect(dance.callback.body).not.toContain('<script>')
    expect(dance.callback.body).not.toContain('alert(1)')
  })
})

function flipOneCharacter(value: string): string {
  const index = Math.floor(value.length / 2)
  const replacement = value[index] === 'a' ? 'b' : 'a'
  return value.slice(0, index) + replacement + value.slice(index + 1)
}
