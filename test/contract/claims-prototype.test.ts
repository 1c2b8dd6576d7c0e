/**
 * No prototype from claims, for bearer tokens (claims-ingestion.test.ts covers the ID
 * token at the callback and userinfo): a token whose claims hold `__proto__`,
 * `constructor` or `prototype` (own keys, as JSON.parse makes them) must not hand a guard
 * a value that is no claim: here a `groups` that would open /admin to a user in no group.
 */
import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { drivers } from './drivers.js'
import { useHarness, type Harness } from './harness.js'

/** Claims of bob, in no group, with `groups: ['admins']` hidden behind keys that reach a prototype. */
const HOSTILE = JSON.parse(`{
  "sub": "bob",
  "__proto__": { "groups": ["admins"], "email_verified": true },
  "constructor": { "prototype": { "groups": ["admins"] } },
  "prototype": { "groups": ["admins"] },
  "profile": { "__proto__": { "admin": true } }
}`) as Record<string, unknown>

function expectNoPrototypeKeys(user: Record<string, unknown>): void {
  expect(Object.keys(user)).not.toEqual(expect.arrayContaining(['__proto__']))
  expect(Object.hasOwn(user, 'constructor') || Object.hasOwn(user, 'prototype')).toBe(false)
  expect(Object.getPrototypeOf(user)).toBe(Object.prototype)
  expect(user['profile']).toEqual({})
}

/** An ID token of the rogue provider with HOSTILE's own keys (tokens.ts sets claims by assignment, which cannot make them). */
async function hostileIdToken(harness: Harness): Promise<string> {
  const { rogue } = harness
  const now = Math.floor(Date.now() / 1000)
  const payload = { iss: rogue.issuer, aud: rogue.clientId, iat: now, exp: now + 600, ...HOSTILE }
  const token = await new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', kid: rogue.keys.rs256.kid })
    .sign(rogue.keys.rs256.privateKey)
  expect(Buffer.from(token.split('.')[1], 'base64url').toString(), 'the token carries the keys').toContain(
    '"__proto__"',
  )
  return token
}

async function call(harness: Harness, path: string, token: string): Promise<{ status: number; body: string }> {
  const response = await fetch(harness.url(path), {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  })
  return { status: response.status, body: await response.text() }
}

describe.each(drivers)('$name: bearer token claims that reach a prototype', (driver) => {
  const harness = useHarness(driver)

  it('a bearer token: the keys are dropped, /admin stays 403', async () => {
    await harness.startApp({ bearer: true })
    const token = await hostileIdToken(harness)
    const me = await call(harness, '/me', token)
    expect(me.status, me.body).toBe(200)
    const user = JSON.parse(me.body) as Record<string, unknown>
    expect(user['groups']).toBeUndefined()
    expectNoPrototypeKeys(user)
    expect((await call(harness, '/admin', token)).status).toBe(403)
  })
})
