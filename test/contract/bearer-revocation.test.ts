/**
 * Bearer ID tokens die with the session: after a logout (here, or back-channel from the
 * provider) a token of the ended provider session (`sid`), user (`sub`, for a logout by
 * sub) or the very token a session held is refused, even one this process verified and
 * cached before. Across processes sharing Redis: test/refresh/backchannel-redis.test.ts.
 */
import { randomUUID } from 'node:crypto'
import { beforeEach, describe, expect, it } from 'vitest'
import { drivers } from './drivers.js'
import { expectSignedIn, summary } from './expectations.js'
import { useHarness, type Harness } from './harness.js'
import { mintIdToken, mintLogoutToken } from './tokens.js'

async function bearer(harness: Harness, token: string) {
  const response = await fetch(harness.url('/me'), {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  })
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.text() }
}

async function backchannel(harness: Harness, token: string): Promise<number> {
  const response = await fetch(harness.url('/backchannel-logout'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ logout_token: token }).toString(),
  })
  return response.status
}

const expectRefusedAfterLogout = (result: Awaited<ReturnType<typeof bearer>>) => {
  expect(result.status, result.body).toBe(401)
  expect(result.challenge).toMatch(/error="invalid_token"/)
  expect(result.body).toContain('logged out')
}

describe.each(drivers)('$name: bearer tokens after a logout', (driver) => {
  const harness = useHarness(driver)
  beforeEach(() => harness.startApp({ bearer: true }))

  it("refuses the tokens of a provider session signed out here, cached or not; other sessions' tokens still work", async () => {
    harness.rogue.bend({ claims: { sid: 'sid-signed-out' } })
    const dance = await harness.dance()
    await expectSignedIn(harness, dance)
    const sameSession = await mintIdToken(harness.rogue, { claims: { sid: 'sid-signed-out' } })
    const alsoSameSession = await mintIdToken(harness.rogue, { claims: { sid: 'sid-signed-out', jti: randomUUID() } })
    const otherSession = await mintIdToken(harness.rogue, { claims: { sid: 'sid-elsewhere' } })
    expect((await bearer(harness, sameSession)).status, 'accepted (and cached) before the logout').toBe(200)

    const logout = await dance.browser.navigate(harness.url('/logout'), {
      headers: { 'sec-fetch-site': 'same-origin' },
    })
    expect(logout.status, summary(logout)).toBe(302)

    expectRefusedAfterLogout(await bearer(harness, sameSession))
    expectRefusedAfterLogout(await bearer(harness, alsoSameSession))
    expect((await bearer(harness, otherSession)).status).toBe(200)
  })

  it('refuses the ID token of a session without sid once that session is signed out', async () => {
    harness.rogue.bend({ claims: { sid: undefined } })
    const dance = await harness.dance()
    await expectSignedIn(harness, dance)
    const idToken = harness.rogue.lastIdToken
    expect(idToken, 'the provider issued an ID token').toBeDefined()
    expect((await bearer(harness, idToken!)).status).toBe(200)
    const another = await mintIdToken(harness.rogue, { claims: { jti: randomUUID() } })

    await dance.browser.navigate(harness.url('/logout'))
    expectRefusedAfterLogout(await bearer(harness, idToken!))
    expect((await bearer(harness, another)).status, 'a logout without sid revokes that one token, not the user').toBe(
      200,
    )
  })

  it('refuses the tokens of a sid ended by back-channel logout', async () => {
    const token = await mintIdToken(harness.rogue, { claims: { sid: 'sid-alice-1' } })
    expect((await bearer(harness, token)).status).toBe(200)
    expect(await backchannel(harness, await mintLogoutToken(harness.rogue))).toBe(200)
    expectRefusedAfterLogout(await bearer(harness, token))
  })

  it('refuses the tokens a user had before a back-channel logout by sub, not those issued after it', async () => {
    await harness.startApp({ bearer: true, clockTolerance: 0 })
    const before = await mintIdToken(harness.rogue, { claims: { sid: undefined } })
    const bob = await mintIdToken(harness.rogue, { claims: { sub: 'bob', groups: [] } })
    expect((await bearer(harness, before)).status).toBe(200)
    expect(await backchannel(harness, await mintLogoutToken(harness.rogue, { claims: { sid: undefined } }))).toBe(200)
    expectRefusedAfterLogout(await bearer(harness, before))
    expect((await bearer(harness, bob)).status, 'another user is untouched').toBe(200)

    await new Promise((resolve) => setTimeout(resolve, 1100)) // iat counts whole seconds
    const after = await mintIdToken(harness.rogue, { claims: { sid: undefined } })
    expect((await bearer(harness, after)).status, 'a token issued after the logout').toBe(200)
  })
})
