import { describe, expect, it } from 'vitest'
import { drivers } from './drivers.js'
import { expectSignedIn, summary } from './expectations.js'
import { useHarness } from './harness.js'

const hostile = [
  'https://evil.example/x',
  '//evil.example',
  '/\\evil.example',
  'javascript:alert(1)',
  '/\t/evil.example',
  '\\\\evil.example',
  '/\\/evil.example',
  ' //evil.example',
  `http://127.0.0.1:1/elsewhere`,
  // Dot segments and backslashes that the URL parser normalises to //host (RFC 9700 §4.11).
  '/.//evil.example',
  '/..//evil.example',
  '/%2e//evil.example',
  '/%2E%2E//evil.example',
  '/a/..//evil.example',
  '/./\\evil.example',
  '/.\\/evil.example',
  '/./\t/evil.example',
  // 2,000 × é: under the input cap, 12 KB once encoded (a cookie the browser would drop).
  `/${'é'.repeat(2000)}`,
]

describe.each(drivers)('$name: returnTo stays on the app', (driver) => {
  const harness = useHarness(driver)

  it.each(hostile)('sends returnTo=%j to / after sign-in', async (returnTo) => {
    const dance = await harness.dance({ returnTo })
    expect(dance.callback.location?.href, summary(dance.callback)).toBe(harness.url('/').href)
    await expectSignedIn(harness, dance)
  })

  it('keeps a same-origin path with its query', async () => {
    const dance = await harness.dance({ returnTo: '/me?x=1' })
    expect(dance.callback.location?.href, summary(dance.callback)).toBe(harness.url('/me?x=1').href)
    await expectSignedIn(harness, dance)
  })
})
