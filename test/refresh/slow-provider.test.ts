/**
 * A token endpoint slower than `httpTimeout`, for every adapter, memory store: by the time
 * it answers, the provider (which rotates refresh tokens and refuses a spent one) has
 * already rotated. The request waits no longer than `httpTimeout`, the refresh attempt goes
 * on with its own, longer timeout, and its answer is saved: nobody presents the spent
 * token, nobody is logged out, and the next refresh is accepted.
 */
import { describe, it } from 'vitest'
import { drivers, type Driver } from '../contract/drivers.js'
import {
  forEveryAdapter,
  get,
  poll,
  signInInBrowser,
  sleep,
  startRogueAndApp,
  until,
  untilDue,
  untilExpired,
  type Cleanup,
} from './helpers.js'

/**
 * Seconds the tokens live: long enough that tokens renewed by a late answer are not due
 * again (from half their lifetime) before the client's retry after Retry-After (5 s).
 */
const TTL = 12
/** Seconds a request may wait for the provider. */
const HTTP_TIMEOUT = 1
/** Milliseconds the token endpoint takes to send an answer it has already made. */
const ANSWER_DELAY = 2500
const SESSIONS = 3

async function sessionsAtSlowProvider(driver: Driver, cleanup: Cleanup) {
  const { rogue, app } = await startRogueAndApp(driver, cleanup, {
    behaviour: { expiresIn: TTL, rotateRefreshTokens: true },
    app: { httpTimeout: HTTP_TIMEOUT },
  })
  const cookies: string[] = []
  for (let i = 0; i < SESSIONS; i += 1) {
    const { callback, cookie } = await signInInBrowser(app.url)
    if (callback.status !== 302) throw new Error(`sign-in failed: ${callback.status}`)
    cookies.push(cookie)
  }
  const signedInAt = Date.now()
  rogue.bend({ answerDelayMs: ANSWER_DELAY })
  return { rogue, app, cookies, signedInAt, signIns: rogue.requests.token }
}

/** Each session, once more after the slow answers were saved: their tokens are due again, the provider is quick again. */
async function refreshedAgain(
  rogue: Awaited<ReturnType<typeof sessionsAtSlowProvider>>['rogue'],
  url: string,
  cookies: string[],
  refreshedBy: number,
) {
  rogue.bend({ answerDelayMs: 0 })
  await untilExpired(refreshedBy, TTL)
  return Promise.all(cookies.map((cookie) => get(`${url}/me`, cookie)))
}

describe.concurrent(
  `a token endpoint slower than httpTimeout, for every adapter (${drivers.map((d) => d.name).join(', ')})`,
  () => {
    it('expired sessions: 503 + Retry-After within about httpTimeout, the late answers saved, nobody logged out', async ({
      expect,
    }) => {
      await forEveryAdapter(async (driver, cleanup) => {
        const { rogue, app, cookies, signedInAt, signIns } = await sessionsAtSlowProvider(driver, cleanup)
        await untilExpired(signedInAt, TTL)
        const started = Date.now()
        const waited = await Promise.all(cookies.map((cookie) => get(`${app.url}/me`, cookie)))
        expect(Date.now() - started, 'waited at most about httpTimeout').toBeLessThan(HTTP_TIMEOUT * 1000 + 1000)
        for (const answer of waited) {
          expect(answer.status, answer.body).toBe(503)
          expect(answer.retryAfter).toMatch(/^\d+$/)
          expect(answer.setCookie.join()).not.toMatch(/oidc\.session=;/)
        }
        // The attempts went on; once answered, the sessions have the rotated tokens.
        const back = await Promise.all(
          cookies.map((cookie) => poll(`${app.url}/me`, cookie, (answer) => answer.status !== 503, 10_000)),
        )
        for (const answer of back) expect(answer.status, answer.body).toBe(200)
        const refreshedBy = Date.now()
        expect(rogue.requests.token - signIns, 'one refresh per session, none repeated').toBe(SESSIONS)

        const again = await refreshedAgain(rogue, app.url, cookies, refreshedBy)
        for (const answer of again) expect(answer.status, answer.body).toBe(200)
        expect(rogue.requests.token - signIns).toBe(2 * SESSIONS)
      })
    }, 60_000)

    it('sessions still valid: served at once while the slow refresh runs in the background, nobody logged out', async ({
      expect,
    }) => {
      await forEveryAdapter(async (driver, cleanup) => {
        const { rogue, app, cookies, signedInAt, signIns } = await sessionsAtSlowProvider(driver, cleanup)
        await untilDue(signedInAt, TTL)
        for (let round = 0; round < 5; round += 1) {
          const started = Date.now()
          const answers = await Promise.all(cookies.map((cookie) => get(`${app.url}/me`, cookie)))
          expect(Date.now() - started, 'no request waits for the refresh').toBeLessThan(500)
          for (const answer of answers) expect(answer.status, answer.body).toBe(200)
          await sleep(200)
        }
        await until(() => rogue.requests.token - signIns >= SESSIONS, 5000)
        await sleep(ANSWER_DELAY + 500)
        expect(rogue.requests.token - signIns, 'one refresh per session while it was in flight').toBe(SESSIONS)

        const again = await refreshedAgain(rogue, app.url, cookies, Date.now())
        for (const answer of again) expect(answer.status, answer.body).toBe(200)
        expect(rogue.requests.token - signIns).toBe(2 * SESSIONS)
      })
    }, 60_000)
  },
)
