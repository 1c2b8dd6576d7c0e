/**
 * Claims come in from ID tokens and userinfo as JSON, where `__proto__` is just a name: it
 * must never become the prototype of `req.oidc.user` (a guard would then read values that
 * are no claim), and userinfo must never replace what only the ID token may say.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { drivers } from './drivers.js'
import { expectSignedIn, summary } from './expectations.js'
import { useHarness, type Harness } from './harness.js'
import { mintLogoutToken } from './tokens.js'

/** An object literal whose `__proto__` is an own key, as JSON.parse makes it. */
const withProtoKey = (claims: Record<string, unknown>, value: unknown) =>
  Object.defineProperty({ ...claims }, '__proto__', { value, enumerable: true })

async function claimsAdmin(harness: Harness, browser: Awaited<ReturnType<Harness['dance']>>['browser']) {
  return browser.api(harness.url('/claims-admin'))
}

describe.each(drivers)('$name: claims as they come in', (driver) => {
  const harness = useHarness(driver)

  it('an ID token claim named __proto__ (or constructor, prototype) is dropped: no prototype, no claim, guards unaffected', async () => {
    harness.rogue.bend({
      claims: (correct) => ({
        ...withProtoKey(correct, { isAdmin: true }),
        constructor: { isAdmin: true },
        prototype: 1,
        nested: withProtoKey({ a: 1 }, { isAdmin: true }),
      }),
    })
    const dance = await harness.dance()
    const user = await expectSignedIn(harness, dance)
    expect(Object.keys(user)).not.toContain('__proto__')
    expect(user).not.toHaveProperty('constructor', { isAdmin: true })
    expect(user).not.toHaveProperty('prototype')
    expect(user.nested).toEqual({ a: 1 })
    const guarded = await claimsAdmin(harness, dance.browser)
    expect(guarded.status, summary(guarded)).toBe(403)
  })

  it('a userinfo claim named __proto__ is dropped too', async () => {
    await harness.startApp({ userInfo: true })
    harness.rogue.bend({ userinfo: (correct) => withProtoKey(correct, { isAdmin: true }) })
    const dance = await harness.dance()
    await expectSignedIn(harness, dance)
    expect((await claimsAdmin(harness, dance.browser)).status).toBe(403)
  })

  it('a real claim still passes the same guard (the guard can succeed)', async () => {
    harness.rogue.bend({ claims: { isAdmin: true } })
    const dance = await harness.dance()
    await expectSignedIn(harness, dance)
    expect((await claimsAdmin(harness, dance.browser)).status).toBe(200)
  })

  it('userinfo neither replaces nor adds the claims only the ID token may make (acr, amr, sid, auth_time, azp, nonce...)', async () => {
    await harness.startApp({ userInfo: true })
    harness.rogue.bend({
      claims: { acr: 'urn:low', amr: ['pwd'], sid: 'sid-alice-1' },
      userinfo: {
        acr: 'urn:high',
        amr: ['hwk', 'mfa'],
        sid: 'sid-forged',
        auth_time: 1,
        azp: 'other-client',
        nonce: 'n',
        at_hash: 'x',
        c_hash: 'y',
        department: 'platform',
      },
    })
    const dance = await harness.dance()
    const user = await expectSignedIn(harness, dance)
    expect(user).toMatchObject({ acr: 'urn:low', amr: ['pwd'], department: 'platform' })
    // The session kept the ID token's sid: a back-channel logout for it ends the session.
    const logout = await fetch(harness.url('/backchannel-logout'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        logout_token: await mintLogoutToken(harness.rogue, { claims: { jti: randomUUID() } }),
      }).toString(),
    })
    expect(logout.status).toBe(200)
    expect((await harness.me(dance.browser)).status).toBe(401)
  })
})
