/**
 * A logout while a (slow) refresh of the same session is in flight, for every adapter:
 * the refresh's answer arrives after the logout and must not bring the session back —
 * neither in the memory store (the save writes only if the session still exists) nor with
 * stateless sessions (a refresh ending after its response was sent writes no cookie, and
 * the logged-out cookie stays refused in this process).
 */
import { describe, it } from 'vitest'
import { drivers } from '../contract/drivers.js'
import {
  forEveryAdapter,
  get,
  signInInBrowser,
  sleep,
  startRogueAndApp,
  until,
  untilDue,
  untilExpired,
} from './helpers.js'

const TTL = 6
const ANSWER_DELAY = 2000

const modes = [
  ['memory store', 'still valid (refreshed in the background)', false, untilDue],
  ['memory store', 'expired (the request waits)', false, untilExpired],
  ['stateless sessions', 'still valid (the request waits up to 1 s)', true, untilDue],
] as const

describe.concurrent(`a logout during a refresh, for every adapter (${drivers.map((d) => d.name).join(', ')})`, () => {
  it.for(modes)(
    '%s, tokens %s: the session stays logged out',
    { timeout: 60_000 },
    async ([, , stateless, wait], { expect }) => {
      await forEveryAdapter(async (driver, cleanup) => {
        const { rogue, app } = await startRogueAndApp(driver, cleanup, {
          behaviour: { expiresIn: TTL, rotateRefreshTokens: true },
          app: { httpTimeout: 1, ...(stateless ? { session: { stateless: true } } : {}) },
        })
        const { callback, cookie } = await signInInBrowser(app.url)
        expect(callback.status).toBe(302)
        const signedInAt = Date.now()
        rogue.bend({ answerDelayMs: ANSWER_DELAY })

        await wait(signedInAt, TTL)
        const tokenCalls = rogue.requests.token
        const during = get(`${app.url}/me`, cookie)
        await until(() => rogue.requests.token > tokenCalls, 3000)
        const logout = await get(`${app.url}/logout`, cookie)
        expect(logout.status).toBe(302)
        expect(logout.setCookie.join()).toMatch(/oidc\.session[.\d]*=;/)
        const answered = await during
        expect(answered.setCookie.join(), 'no session cookie written by the refresh').not.toMatch(
          /oidc\.session[.\d]*=[^;]/,
        )

        // The provider has answered, and the refresh has ended; the session is still gone.
        await sleep(ANSWER_DELAY + 500)
        for (let i = 0; i < 3; i += 1) {
          const after = await get(`${app.url}/me`, cookie)
          expect(after.status, after.body).toBe(401)
          await sleep(200)
        }
        expect(rogue.requests.token, 'one refresh, never repeated').toBe(tokenCalls + 1)
      })
    },
  )
})
