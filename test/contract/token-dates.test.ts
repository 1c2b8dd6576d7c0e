/**
 * Dates are bounded in every verified provider JWT: `exp`, `iat`, `nbf` and `auth_time` are
 * finite seconds since 1970 when present, `exp` is at most 400 days ahead, `iat` and
 * `auth_time` are not in the future. (`exp: 1e308` passes jose, then makes
 * `new Date(exp * 1000).toISOString()` throw wherever the session is shown.)
 */
import { describe, expect, it } from 'vitest'
import type { Overrides } from '../support/rogue-provider.js'
import { drivers } from './drivers.js'
import { expectRefused, expectSignedIn } from './expectations.js'
import { useHarness, type Harness } from './harness.js'
import { mintIdToken, mintLogoutToken } from './tokens.js'

const DAY = 24 * 60 * 60
const now = () => Math.floor(Date.now() / 1000)

/** Dates no provider sends; each case also keeps the others plausible. */
const implausible: [string, () => Overrides][] = [
  ['exp: 1e308', () => ({ exp: 1e308 })],
  ['exp: Number.MAX_SAFE_INTEGER', () => ({ exp: Number.MAX_SAFE_INTEGER })],
  ['exp 401 days ahead', () => ({ exp: now() + 401 * DAY })],
  ['iat: -1', () => ({ iat: -1 })],
  ['iat: -1e308', () => ({ iat: -1e308 })],
  ['nbf: -5', () => ({ nbf: -5 })],
  ['auth_time: 1e308', () => ({ auth_time: 1e308 })],
  ['auth_time an hour from now', () => ({ auth_time: now() + 3600 })],
  ['auth_time: -1', () => ({ auth_time: -1 })],
  ['auth_time as a string', () => ({ auth_time: String(now()) })],
]

/** Dates a provider may well send. */
const plausible: [string, () => Overrides][] = [
  ['exp 399 days ahead', () => ({ exp: now() + 399 * DAY })],
  ['fractional seconds', () => ({ iat: now() - 0.5, exp: now() + 600.25, auth_time: now() - 10.75 })],
  ['nbf: iat', () => ({ nbf: now() })],
  ['no auth_time', () => ({ auth_time: undefined })],
]

async function bearer(harness: Harness, token: string): Promise<number> {
  return (
    await fetch(harness.url('/me'), { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } })
  ).status
}

async function backchannel(harness: Harness, token: string): Promise<number> {
  const body = new URLSearchParams({ logout_token: token }).toString()
  return (
    await fetch(harness.url('/backchannel-logout'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    })
  ).status
}

describe.each(drivers)('$name: token dates', (driver) => {
  const harness = useHarness(driver)

  it.each(implausible)('refuses an ID token with %s at the callback', async (_name, claims) => {
    harness.rogue.bend({ claims: claims() })
    await expectRefused(harness, await harness.dance())
  })

  it.each(plausible)('accepts an ID token with %s', async (_name, claims) => {
    harness.rogue.bend({ claims: claims() })
    await expectSignedIn(harness, await harness.dance())
  })

  it.each(implausible)('refuses a bearer token with %s (401)', async (_name, claims) => {
    await harness.startApp({ bearer: true })
    expect(await bearer(harness, await mintIdToken(harness.rogue, { claims: claims() }))).toBe(401)
  })

  it('accepts a bearer token whose exp is 399 days ahead', async () => {
    await harness.startApp({ bearer: true })
    expect(await bearer(harness, await mintIdToken(harness.rogue, { claims: { exp: now() + 399 * DAY } }))).toBe(200)
  })

  it.each(implausible.filter(([name]) => !name.startsWith('auth_time')))(
    'refuses a logout token with %s (400), nothing ends',
    async (_name, claims) => {
      harness.rogue.bend({ claims: { sid: 'sid-1' } })
      const dance = await harness.dance()
      await expectSignedIn(harness, dance)
      const token = await mintLogoutToken(harness.rogue, { claims: { sid: 'sid-1', exp: now() + 120, ...claims() } })
      expect(await backchannel(harness, token)).toBe(400)
      expect((await harness.me(dance.browser)).status).toBe(200)
    },
  )
})
