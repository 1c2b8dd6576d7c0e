import { expect } from 'vitest'
import type { Browser, Exchange } from '../support/browser.js'
import { parseSetCookie } from '../../packages/testing/src/cookie-jar.js'
import type { Harness } from './harness.js'

/** A stack trace as plain text, as finalhandler's HTML (&nbsp;), or as file:line:column frames. */
const STACK_PATTERNS = [/^\s+at /m, /(?:&nbsp;|\s)at\s\S+\s\(/, /\.(?:[cm]?js|ts):\d+:\d+/]

export function summary(exchange: Exchange): string {
  return `${exchange.method} ${exchange.url.pathname}${exchange.url.search} -> ${exchange.status} ${exchange.body.slice(0, 300)}`
}

/** Cookies a response sets (not the ones it deletes). */
export function cookiesSet(exchange: Exchange): string[] {
  return exchange.setCookies.filter((header) => parseSetCookie(header, exchange.url)?.deleted === false)
}

/**
 * Refused at the callback: a 4xx (or exactly `status`, with Retry-After for a 503), no
 * cookie set by it, and /me with the browser's cookies is 401.
 */
export async function expectRefused(
  harness: Harness,
  dance: { browser: Browser; callback: Exchange },
  expected: { status?: number } = {},
): Promise<void> {
  const { callback } = dance
  if (expected.status !== undefined) {
    expect(callback.status, summary(callback)).toBe(expected.status)
    if (expected.status === 503) expect(callback.headers.get('retry-after'), summary(callback)).toMatch(/^\d+$/)
  } else {
    expect(callback.status, summary(callback)).toBeGreaterThanOrEqual(400)
    expect(callback.status, summary(callback)).toBeLessThan(500)
  }
  expect(cookiesSet(callback), 'the refused callback must not set a (session) cookie').toEqual([])
  const me = await harness.me(dance.browser)
  expect(me.status, `after the refused callback, ${summary(me)}`).toBe(401)
}

/** Signed in: the callback redirected, and /me answers 200 with the user's claims. */
export async function expectSignedIn(
  harness: Harness,
  dance: { browser: Browser; callback: Exchange },
): Promise<Record<string, unknown>> {
  expect(dance.callback.status, summary(dance.callback)).toBe(302)
  const me = await harness.me(dance.browser)
  expect(me.status, summary(me)).toBe(200)
  const user: unknown = JSON.parse(me.body)
  expect(user).toMatchObject({ sub: 'alice', groups: expect.arrayContaining(['admins', 'developers']) as unknown })
  return user as Record<string, unknown>
}

/** No response leaked a stack trace or a secret, in its body or its headers. */
export function expectNoLeaks(options: { log: readonly Exchange[]; secrets: readonly string[] }): void {
  const leaks: string[] = []
  for (const exchange of options.log) {
    const headers = [...exchange.headers].map(([name, value]) => `${name}: ${value}`).join('\n')
    if (STACK_PATTERNS.some((pattern) => pattern.test(exchange.body))) leaks.push(`stack trace in ${summary(exchange)}`)
    for (const secret of options.secrets) {
      if (exchange.body.includes(secret) || headers.includes(secret)) leaks.push(`secret in ${summary(exchange)}`)
    }
  }
  expect(leaks, 'responses must not contain a stack trace or a secret').toEqual([])
}
