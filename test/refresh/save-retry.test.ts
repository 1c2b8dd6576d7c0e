/**
 * A store that fails just when renewed tokens are saved (a Redis master killed in the middle
 * of a refresh): the provider has already spent the old refresh token, so the new one must
 * reach the store, or the next refresh by another process presents a spent token and the
 * provider revokes the grant. The refresh saves again, under the session's lock, until the
 * store takes it. Two apps on one store, for every adapter.
 */
import { describe, it } from 'vitest'
import { MemoryStore, type SessionData } from '@oidc-rp/core'
import { startRogueProvider } from '../support/rogue-provider.js'
import { forEveryAdapter, get, rogueAppOptions, signInInBrowser, untilExpired } from './helpers.js'

const TTL = 4

/** A memory store whose next `failures` saves of a session (`replace`) throw, as a failing Redis node would. */
class FailingSaves extends MemoryStore {
  failures = 0
  override async replace(id: string, session: SessionData, ttl: number): Promise<boolean> {
    if (this.failures > 0) {
      this.failures -= 1
      throw new Error('connection lost')
    }
    return super.replace(id, session, ttl)
  }
}

describe.concurrent('renewed tokens whose save fails on the store', () => {
  it(
    'are saved again until the store takes them: no process presents a spent refresh token, nobody is logged out',
    { timeout: 60_000 },
    async ({ expect }) => {
      await forEveryAdapter(async (driver, cleanup) => {
        const rogue = await startRogueProvider({ behaviour: { expiresIn: TTL, rotateRefreshTokens: true } })
        cleanup(() => rogue.close())
        const store = new FailingSaves()
        const options = { ...rogueAppOptions(rogue), session: { store } }
        const first = await driver.start(options)
        cleanup(() => first.close())
        const second = await driver.start(options)
        cleanup(() => second.close())
        const { callback, cookie } = await signInInBrowser(first.url)
        expect(callback.status).toBe(302)
        const signedInAt = Date.now()

        await untilExpired(signedInAt, TTL)
        const calls = rogue.requests.token
        store.failures = 3
        const refreshed = await get(`${first.url}/me`, cookie)
        expect(refreshed.status, refreshed.body).toBe(200)
        expect(store.failures, 'the saves failed, then one was taken').toBe(0)
        // The other app reads the renewed session: no second refresh, no spent token presented.
        const elsewhere = await get(`${second.url}/me`, cookie)
        expect(elsewhere.status, elsewhere.body).toBe(200)
        expect(rogue.requests.token).toBe(calls + 1)
      })
    },
  )
})
