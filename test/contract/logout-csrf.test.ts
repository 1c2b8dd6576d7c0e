/**
 * A link, image or form on another site must not sign the user out. The browser says where
 * a request comes from (Sec-Fetch-Site, else Origin or Referer); from anywhere but this app,
 * /logout answers a page whose button posts back from this origin.
 */
import { describe, expect, it } from 'vitest'
import { drivers } from './drivers.js'
import { expectSignedIn, summary } from './expectations.js'
import { useHarness } from './harness.js'

const foreign: [string, Record<string, string>][] = [
  ['a cross-site navigation', { 'sec-fetch-site': 'cross-site' }],
  ['a navigation from a sibling subdomain', { 'sec-fetch-site': 'same-site' }],
  ["a browser without Sec-Fetch-Site, from another site's page", { referer: 'https://evil.example/page' }],
  ['a browser without Sec-Fetch-Site, posting from another origin', { origin: 'https://evil.example' }],
]

describe.each(drivers)('$name: logout from another site', (driver) => {
  const harness = useHarness(driver)

  it.each(foreign)('%s (GET and POST) only shows a page that asks, and the session stays', async (_name, headers) => {
    const dance = await harness.dance()
    await expectSignedIn(harness, dance)
    for (const method of ['GET', 'POST']) {
      const answer = await dance.browser.navigate(harness.url('/logout'), { method, headers })
      expect(answer.status, summary(answer)).toBe(200)
      expect(answer.headers.get('content-type')).toMatch(/^text\/html/)
      expect(answer.body).toMatch(/<form method="post" action="\/logout">/)
      expect(answer.setCookies, 'nothing is cleared').toEqual([])
      expect((await harness.me(dance.browser)).status, `still signed in after ${method}`).toBe(200)
    }
  })

  it("signs out when the page's button posts from this origin", async () => {
    const dance = await harness.dance()
    await expectSignedIn(harness, dance)
    const origin = harness.url('/').origin
    const answer = await dance.browser.navigate(harness.url('/logout'), {
      method: 'POST',
      headers: { 'sec-fetch-site': 'same-origin', origin },
    })
    expect(answer.status, summary(answer)).toBe(302)
    expect((await harness.me(dance.browser)).status).toBe(401)
  })

  const own: [string, (origin: string) => Record<string, string>][] = [
    ['typed in the address bar', () => ({ 'sec-fetch-site': 'none' })],
    ['a link of this app', () => ({ 'sec-fetch-site': 'same-origin' })],
    ["an older browser, from this app's page", (origin) => ({ referer: `${origin}/x` })],
    ['a client that is no browser (no such header)', () => ({})],
  ]
  it.each(own)('signs out at once for %s', async (_name, headers) => {
    const dance = await harness.dance()
    await expectSignedIn(harness, dance)
    const answer = await dance.browser.navigate(harness.url('/logout'), { headers: headers(harness.url('/').origin) })
    expect(answer.status, summary(answer)).toBe(302)
    expect((await harness.me(dance.browser)).status).toBe(401)
  })
})
