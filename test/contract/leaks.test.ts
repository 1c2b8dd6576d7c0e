import { beforeEach, describe, expect, it } from 'vitest'
import type { Browser } from '../support/browser.js'
import { drivers } from './drivers.js'
import { summary } from './expectations.js'
import { useHarness } from './harness.js'

/**
 * Odd requests a scanner or a confused browser sends. Each must get a 4xx (or a redirect),
 * never a 500; the harness then checks, as after every test, that no response anywhere
 * contained a stack trace or a secret.
 */
const odd: { name: string; send: (browser: Browser, url: (path: string) => URL) => Promise<unknown> }[] = [
  { name: 'GET /callback without parameters', send: (b, url) => b.navigate(url('/callback')) },
  { name: 'GET /callback with an unknown state', send: (b, url) => b.navigate(url('/callback?code=x&state=y')) },
  {
    name: 'GET /callback with broken percent-encoding',
    send: (b, url) => b.navigate(url('/callback?code=%E0%A4%A&state=%ff')),
  },
  {
    name: 'GET /callback with repeated parameters',
    send: (b, url) => b.navigate(url('/callback?code=a&code=b&state=c&state=d')),
  },
  {
    name: 'POST /callback with a junk form',
    send: (b, url) =>
      b.request(url('/callback'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'code=%%%&state=',
      }),
  },
  { name: 'GET /login?returnTo=%', send: (b, url) => b.navigate(url('/login?returnTo=%')) },
  { name: 'GET /login with two returnTo', send: (b, url) => b.navigate(url('/login?returnTo=/a&returnTo=/b')) },
  { name: 'GET /login?returnTo[x]=1', send: (b, url) => b.navigate(url('/login?returnTo[x]=1')) },
  { name: 'POST /logout without a session', send: (b, url) => b.request(url('/logout'), { method: 'POST' }) },
  { name: 'HEAD /me', send: (b, url) => b.request(url('/me'), { method: 'HEAD' }) },
  {
    name: 'GET /me with an empty bearer token',
    send: (b, url) => b.api(url('/me'), { headers: { authorization: 'Bearer ' } }),
  },
  {
    name: 'GET /me with Basic credentials',
    send: (b, url) => b.api(url('/me'), { headers: { authorization: 'Basic Zm9vOmJhcg==' } }),
  },
  { name: 'GET /logout without a session', send: (b, url) => b.navigate(url('/logout')) },
  {
    name: 'GET /me with a garbage bearer token',
    send: (b, url) => b.api(url('/me'), { headers: { authorization: 'Bearer garbage' } }),
  },
  {
    name: 'GET /me with an alg none bearer token',
    send: (b, url) => b.api(url('/me'), { headers: { authorization: `Bearer ${unsignedJwt()}` } }),
  },
]

describe.each(drivers)('$name: nothing leaks', (driver) => {
  const harness = useHarness(driver)
  beforeEach(() => harness.startApp({ bearer: true }))

  it.each(odd)('$name: no 5xx', async ({ send }) => {
    await send(harness.browser(), (path) => harness.url(path))
    const last = harness.log.at(-1)
    expect(last).toBeDefined()
    if (last !== undefined) expect(last.status, summary(last)).toBeLessThan(500)
  })

  it('a token endpoint error description does not leak into the page', async () => {
    harness.rogue.bend({
      tokenStatus: 400,
      tokenBody: () => ({ error: 'invalid_grant', error_description: '<img src=x onerror=alert(1)>' }),
    })
    const dance = await harness.dance()
    expect(dance.callback.status, summary(dance.callback)).toBeLessThan(500)
    expect(dance.callback.body).not.toContain('<img')
  })
})

function unsignedJwt(): string {
  const segment = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${segment({ alg: 'none', typ: 'JWT' })}.${segment({ sub: 'mallory', exp: Math.floor(Date.now() / 1000) + 600 })}.`
}
