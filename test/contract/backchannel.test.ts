import { describe, expect, it } from 'vitest'
import { MemoryStore } from '@oidc-rp/core'
import type { Browser } from '../support/browser.js'
import { drivers } from './drivers.js'
import { expectSignedIn } from './expectations.js'
import { useHarness, type Harness } from './harness.js'
import { mintLogoutToken, type MintOptions } from './tokens.js'

async function backchannel(harness: Harness, token: string | undefined) {
  const body = token === undefined ? '' : new URLSearchParams({ logout_token: token }).toString()
  const response = await fetch(harness.url('/backchannel-logout'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  })
  return { status: response.status, cacheControl: response.headers.get('cache-control'), body: await response.text() }
}

async function signedIn(harness: Harness, sid: string): Promise<Browser> {
  harness.rogue.bend({ claims: { sid } })
  const dance = await harness.dance()
  await expectSignedIn(harness, dance)
  return dance.browser
}

describe.each(drivers)('$name: back-channel logout', (driver) => {
  const harness = useHarness(driver)

  it("ends the session of the logout token's sid at once, and answers 200 with no-store", async () => {
    const alice = await signedIn(harness, 'sid-alice-1')
    const other = await signedIn(harness, 'sid-alice-2')
    const result = await backchannel(harness, await mintLogoutToken(harness.rogue))
    expect(result.status, result.body).toBe(200)
    expect(result.cacheControl).toBe('no-store')
    expect((await harness.me(alice)).status).toBe(401)
    expect((await harness.me(other)).status, 'another provider session of alice is untouched').toBe(200)
  })

  it('refuses an expired logout token: 400, nothing destroyed', async () => {
    const alice = await signedIn(harness, 'sid-alice-1')
    const token = await mintLogoutToken(harness.rogue, {
      claims: { iat: Math.floor(Date.now() / 1000) - 200, exp: Math.floor(Date.now() / 1000) - 100 },
    })
    expect((await backchannel(harness, token)).status).toBe(400)
    expect((await harness.me(alice)).status).toBe(200)
  })

  it('ends every session of the user when the token names only sub', async () => {
    const first = await signedIn(harness, 'sid-a')
    const second = await signedIn(harness, 'sid-b')
    expect(
      (await backchannel(harness, await mintLogoutToken(harness.rogue, { claims: { sid: undefined } }))).status,
    ).toBe(200)
    expect((await harness.me(first)).status).toBe(401)
    expect((await harness.me(second)).status).toBe(401)
  })

  const invalid: [string, MintOptions | 'missing'][] = [
    ['no logout_token', 'missing'],
    ['no events claim', { claims: { events: undefined } }],
    ['events without the back-channel member', { claims: { events: { 'http://example.com/other': {} } } }],
    ['a nonce', { claims: { nonce: 'n-0S6_WzA2Mj' } }],
    ['a wrong aud', { claims: { aud: 'another-client' } }],
    ['a wrong iss', { claims: { iss: 'https://evil.example' } }],
    ['no jti', { claims: { jti: undefined } }],
    ['neither sid nor sub', { claims: { sid: undefined, sub: undefined } }],
    ['an iat far in the past', { claims: { iat: Math.floor(Date.now() / 1000) - 3600 } }],
    ['alg: none', { alg: 'none' }],
  ]

  it.each(invalid)('refuses a logout token with %s: 400, nothing destroyed', async (_name, options) => {
    const alice = await signedIn(harness, 'sid-alice-1')
    const result = await backchannel(
      harness,
      options === 'missing' ? undefined : await mintLogoutToken(harness.rogue, options),
    )
    expect(result.status, result.body).toBe(400)
    expect((await harness.me(alice)).status).toBe(200)
  })

  it('refuses a bad signature: 400, nothing destroyed', async () => {
    const alice = await signedIn(harness, 'sid-alice-1')
    const token = await mintLogoutToken(harness.rogue, {
      key: harness.rogue.keys.foreign.privateKey,
      kid: harness.rogue.keys.rs256.kid,
    })
    expect((await backchannel(harness, token)).status).toBe(400)
    expect((await harness.me(alice)).status).toBe(200)
  })

  it('refuses a replayed jti: 400, and the replay ends nothing', async () => {
    const token = await mintLogoutToken(harness.rogue, { claims: { sid: 'sid-gone' } })
    expect((await backchannel(harness, token)).status).toBe(200)
    const alice = await signedIn(harness, 'sid-gone')
    expect((await backchannel(harness, token)).status).toBe(400)
    expect((await harness.me(alice)).status).toBe(200)
  })
  it('applies a logout token whose first delivery failed: 503, the retry 200 and the session ended, a replay 400', async () => {
    // A store that fails once, as a Redis node that is down or stalled would.
    class FailingOnce extends MemoryStore {
      armed = false
      override async destroy(id: string): Promise<void> {
        if (this.armed) {
          this.armed = false
          throw new Error('connection lost')
        }
        return super.destroy(id)
      }
    }
    const store = new FailingOnce()
    await harness.startApp({ session: { store } })
    const alice = await signedIn(harness, 'sid-retried')
    const token = await mintLogoutToken(harness.rogue, { claims: { sid: 'sid-retried' } })
    store.armed = true
    const first = await backchannel(harness, token)
    expect(first.status, first.body).toBe(503)
    expect((await harness.me(alice)).status, 'nothing was ended yet').toBe(200)
    const retry = await backchannel(harness, token)
    expect(retry.status, retry.body).toBe(200)
    expect((await harness.me(alice)).status).toBe(401)
    expect((await backchannel(harness, token)).status).toBe(400)
  })
})
