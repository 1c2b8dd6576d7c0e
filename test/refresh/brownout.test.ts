/**
 * A provider brownout under steady traffic (memory store, the first driver: this is the
 * core's refresher at work, the same for every adapter). The token endpoint answers 503,
 * or hangs, for BROWNOUT_SECONDS (default 20; e.g. 60 to run the figure) while
 * several sessions keep making requests: some still valid (refresh due), some whose tokens
 * expire. At most a handful of token calls per session; no request of a valid session
 * waits; expired ones get 503 + Retry-After within about httpTimeout; once the provider is
 * back everyone is refreshed and nobody is logged out.
 */
import { describe, it } from 'vitest'
import { drivers } from '../contract/drivers.js'
import { startRogueProvider, type Behaviour } from '../support/rogue-provider.js'
import { get, poll, rogueAppOptions, signInInBrowser, sleep, type Answer } from './helpers.js'

const BROWNOUT = Number(process.env['BROWNOUT_SECONDS'] ?? 20)
/** Seconds a valid session's refresh is due before its ID token expires: the whole brownout and some. */
const DUE_WINDOW = BROWNOUT + 10
/** An ID token lifetime that makes a refresh due DUE_WINDOW seconds before expiry (leeway 60, at most half the lifetime). */
const VALID_TTL = DUE_WINDOW <= 60 ? 2 * DUE_WINDOW : DUE_WINDOW + 60
/** Seconds the expiring sessions' ID tokens live: they expire early in the brownout. */
const EXPIRING_TTL = 4
const HTTP_TIMEOUT = 2
const VALID = 3
const EXPIRING = 2

interface Seen extends Answer {
  ms: number
}

const driver = drivers[0]
const outages: [string, Partial<Behaviour>][] = [
  ['answers 503', { down: 503, affects: ['token'] }],
  // Held requests are processed when it comes back (rotating the refresh token then).
  ['hangs', { delayMs: BROWNOUT * 1000, affects: ['token'] }],
]

describe.concurrent(
  `a ${BROWNOUT} s brownout of the token endpoint under steady traffic (${driver.name}, memory store)`,
  () => {
    it.for(outages)(
      'it %s: a handful of token calls per session, valid sessions never wait, nobody logged out',
      { timeout: (2 * BROWNOUT + 120) * 1000 },
      async ([, outage], { expect }) => {
        const rogue = await startRogueProvider({ behaviour: { expiresIn: 3600, rotateRefreshTokens: true } })
        const app = await driver.start({ ...rogueAppOptions(rogue), httpTimeout: HTTP_TIMEOUT })
        try {
          const signIn = async (ttl: number) => {
            rogue.bend({ claims: (correct) => ({ ...correct, exp: Number(correct['iat']) + ttl }) })
            const { callback, cookie } = await signInInBrowser(app.url)
            expect(callback.status).toBe(302)
            return cookie
          }
          const valid: string[] = []
          for (let i = 0; i < VALID; i += 1) valid.push(await signIn(VALID_TTL))
          const validSince = Date.now()
          await sleep(Math.max(0, validSince + (VALID_TTL - DUE_WINDOW) * 1000 + 1000 - Date.now()))
          const expiring: string[] = []
          for (let i = 0; i < EXPIRING; i += 1) expiring.push(await signIn(EXPIRING_TTL))

          rogue.bend(outage)
          const before = rogue.requests.token
          const seen = new Map<string, Seen[]>()
          const by = Date.now() + BROWNOUT * 1000
          await Promise.all(
            [...valid, ...expiring].map(async (cookie) => {
              const answers: Seen[] = []
              seen.set(cookie, answers)
              while (Date.now() < by) {
                const started = Date.now()
                answers.push({ ...(await get(`${app.url}/me`, cookie)), ms: Date.now() - started })
                await sleep(200)
              }
            }),
          )
          const calls = rogue.requests.token - before

          for (const cookie of valid) {
            const answers = seen.get(cookie)!
            expect(
              answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.body}`),
              'a valid session is served',
            ).toEqual([])
            expect(Math.max(...answers.map((a) => a.ms)), 'slowest request of a valid session (ms)').toBeLessThan(500)
          }
          for (const cookie of expiring) {
            const answers = seen.get(cookie)!
            const refused = answers.filter((a) => a.status === 503)
            expect(refused.length, 'expired: 503').toBeGreaterThan(0)
            expect(
              answers.filter((a) => a.status !== 200 && a.status !== 503).map((a) => a.status),
              'never signed out',
            ).toEqual([])
            for (const answer of refused) expect(answer.retryAfter).toMatch(/^\d+$/)
            expect(Math.max(...refused.map((a) => a.ms)), 'slowest 503 (ms)').toBeLessThan(HTTP_TIMEOUT * 1000 + 1000)
          }
          expect(calls / (VALID + EXPIRING), 'token calls per session during the brownout').toBeLessThanOrEqual(5)

          // Back: everyone refreshed (the expired ones served again), nobody logged out.
          rogue.bend({ down: false, delayMs: 0 })
          const back = await Promise.all(
            [...valid, ...expiring].map((cookie) => poll(`${app.url}/me`, cookie, (a) => a.status !== 503, 45_000)),
          )
          expect(back.map((a) => a.status)).toEqual(back.map(() => 200))
          const refreshedAt = rogue.requests.token
          expect(refreshedAt - before, 'every session refreshed').toBeGreaterThanOrEqual(VALID + EXPIRING)
          await sleep(1000)
          for (const cookie of [...valid, ...expiring]) expect((await get(`${app.url}/me`, cookie)).status).toBe(200)
          console.log(
            `brownout (${BROWNOUT} s) ${JSON.stringify(outage)}: ${calls} token calls for ${VALID + EXPIRING} sessions; max latency valid ${Math.max(...valid.flatMap((c) => seen.get(c)!.map((a) => a.ms)))} ms, expired 503 ${Math.max(
              ...expiring.flatMap((c) =>
                seen
                  .get(c)!
                  .filter((a) => a.status === 503)
                  .map((a) => a.ms),
              ),
            )} ms`,
          )
        } finally {
          await app.close()
          await rogue.close()
        }
      },
    )
  },
)
