import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { Browser } from '../support/browser.js'
import { parseSetCookie, type ParsedSetCookie } from '../../packages/testing/src/cookie-jar.js'
import { drivers } from './drivers.js'
import { cookiesSet, expectSignedIn, summary } from './expectations.js'
import { useHarness, type Harness } from './harness.js'

describe.each(drivers)('$name: a bad session cookie is an anonymous visitor', (driver) => {
  const harness = useHarness(driver)

  it('refuses a session cookie with one character flipped', async () => {
    const { browser, session } = await signedIn(harness)
    const index = middleAlphanumeric(session.value)
    const flipped =
      session.value.slice(0, index) + (session.value[index] === 'a' ? 'b' : 'a') + session.value.slice(index + 1)
    await expectAnonymousWith(harness, browser, { ...session, value: flipped })
  })

  it('refuses the same session id signed with another secret', async () => {
    const { browser, session } = await signedIn(harness)
    const secret = [harness.options.secret].flat()[0] ?? ''
    const signed = splitSignedValue(session.value)
    // Positive control: the cookie is cookie-signature's format, so re-signing is meaningful.
    expect(sign(signed.id, secret), `session cookie ${session.value} is not <id>.<hmac> with the app secret`).toBe(
      signed.signature,
    )
    const forged = signed.encode(sign(signed.id, 'another-secret-of-at-least-thirty-two-chars'))
    await expectAnonymousWith(harness, browser, { ...session, value: forged })
  })

  it("issues a new session id at sign-in: a planted cookie does not become the victim's session", async () => {
    harness.rogue.bend({ claims: { sub: 'mallory' } })
    const attacker = await signedIn(harness, { sub: 'mallory' })
    harness.rogue.reset()
    const victim = harness.browser({ jar: attacker.browser.jar.clone() })
    const dance = await harness.dance({ browser: victim })
    await expectSignedIn(harness, dance)
    const issued = cookiesSet(dance.callback).flatMap((header) => parseSetCookie(header, dance.callback.url) ?? [])
    expect(issued.find((cookie) => cookie.name === attacker.session.name)?.value).not.toBe(attacker.session.value)
    const attackerView = await harness.me(attacker.browser)
    expect(attackerView.body, 'the planted cookie must not see the victim').not.toContain('alice')
  })

  it('sets the session cookie HttpOnly, SameSite=Lax (or Strict), Path=/', async () => {
    const dance = await harness.dance()
    await expectSignedIn(harness, dance)
    const [header] = cookiesSet(dance.callback)
    expect(header).toMatch(/;\s*HttpOnly/i)
    expect(header).toMatch(/;\s*SameSite=(Lax|Strict)/i)
    expect(header).toMatch(/;\s*Path=\/(;|$)/i)
  })

  it.each(['garbage', 's%3A', 's:.', '%E0%A4%A', '.'.repeat(100), 'x'.repeat(4000)])(
    'refuses a garbage session cookie %#',
    async (value) => {
      const { browser, session } = await signedIn(harness)
      await expectAnonymousWith(harness, browser, { ...session, value })
    },
  )
})

async function signedIn(
  harness: Harness,
  expected: { sub?: string } = {},
): Promise<{ browser: Browser; session: ParsedSetCookie }> {
  const dance = await harness.dance()
  if (expected.sub === undefined) await expectSignedIn(harness, dance)
  else expect(JSON.parse((await harness.me(dance.browser)).body)).toMatchObject({ sub: expected.sub })
  const set = cookiesSet(dance.callback).flatMap((header) => parseSetCookie(header, dance.callback.url) ?? [])
  expect(set.length, 'the successful callback sets the session cookie').toBeGreaterThan(0)
  const [session] = set
  if (session === undefined) throw new Error('unreachable')
  return { browser: dance.browser, session }
}

/** With the session cookie replaced: /me is 401 (not 500) and / still 200. */
async function expectAnonymousWith(harness: Harness, browser: Browser, cookie: ParsedSetCookie): Promise<void> {
  browser.jar.store(harness.url('/'), [`${cookie.name}=${cookie.value}; Path=${cookie.path}`])
  const me = await harness.me(browser)
  expect(me.status, summary(me)).toBe(401)
  const home = await browser.navigate(harness.url('/'))
  expect(home.status, summary(home)).toBe(200)
}

function middleAlphanumeric(value: string): number {
  for (let offset = 0; offset < value.length; offset += 1) {
    const index = Math.floor(value.length / 2) + (offset % 2 === 0 ? offset / 2 : -(offset + 1) / 2)
    if (/[A-Za-z0-9]/.test(value[index] ?? '')) return index
  }
  throw new Error(`no alphanumeric character to flip in ${value}`)
}

/** cookie-signature: `<value>.<base64 HMAC-SHA256 without padding>`, optionally `s:`-prefixed and URI-encoded. */
function sign(value: string, secret: string): string {
  return createHmac('sha256', secret).update(value).digest('base64').replace(/=+$/, '')
}

function splitSignedValue(raw: string): { id: string; signature: string; encode(signature: string): string } {
  const encoded = raw.includes('%')
  const decoded = encoded ? decodeURIComponent(raw) : raw
  const prefix = decoded.startsWith('s:') ? 's:' : ''
  const body = decoded.slice(prefix.length)
  const dot = body.lastIndexOf('.')
  const id = body.slice(0, dot)
  return {
    id,
    signature: body.slice(dot + 1),
    encode: (signature) => {
      const value = `${prefix}${id}.${signature}`
      return encoded ? encodeURIComponent(value) : value
    },
  }
}
