/**
 * A hanging token endpoint across processes: four relying-party processes
 * (./app-process.mjs) share one real Redis, and the token endpoint holds every refresh
 * request. While the sessions' tokens are valid, no request waits on the provider nor on
 * another process's refresh lock (each is served at once, the refresh runs in the
 * background), and nothing answers 503 `store_unavailable`: a lock another process holds
 * is `session_busy`, and only for a request that would have to wait for it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startRedisServer, type RedisServer } from '../support/redis-server.js'
import { startRogueProvider, type RogueProvider } from '../support/rogue-provider.js'
import { get, newSecret, signInInBrowser, sleep, startAppProcess, type AppProcess } from './helpers.js'

/** Seconds the ID tokens live: a refresh is due from half of it, well before they expire. */
const TTL = 40
const HTTP_TIMEOUT = 3
const SESSIONS = 5

let redis: RedisServer
let rogue: RogueProvider
let apps: AppProcess[] = []

beforeAll(async () => {
  ;[redis, rogue] = await Promise.all([
    startRedisServer(),
    startRogueProvider({
      behaviour: {
        expiresIn: 3600,
        rotateRefreshTokens: true,
        claims: (correct) => ({ ...correct, exp: Number(correct['iat']) + TTL }),
      },
    }),
  ])
  const env = {
    ISSUER: rogue.issuer,
    CLIENT_ID: rogue.clientId,
    CLIENT_SECRET: rogue.clientSecret,
    SECRET: newSecret(),
    REDIS_URL: redis.url,
    HTTP_TIMEOUT: String(HTTP_TIMEOUT),
  }
  apps = await Promise.all([1, 2, 3, 4].map(() => startAppProcess(env)))
}, 60_000)

afterAll(async () => {
  await Promise.all(apps.map((app) => app.kill()))
  await rogue?.close()
  await redis?.close()
})

it('four processes, token endpoint hanging, tokens valid: no request waits, no 503', async () => {
  const cookies: string[] = []
  for (let i = 0; i < SESSIONS; i += 1) {
    // Signed in through the first process; the others know the session from Redis alone.
    const { callback, cookie } = await signInInBrowser(apps[0].url)
    expect(callback.status).toBe(302)
    cookies.push(cookie)
  }
  const signedInAt = Date.now()
  await sleep(Math.max(0, signedInAt + (TTL / 2) * 1000 + 1000 - Date.now()))
  rogue.bend({ delayMs: 120_000, affects: ['token'] })

  // Every session, at every process, for longer than a few lock waits (3 × httpTimeout).
  const answers: { status: number; ms: number; body: string }[] = []
  const by = Date.now() + 3 * HTTP_TIMEOUT * 1000 + 2000
  await Promise.all(
    apps.flatMap((app) =>
      cookies.map(async (cookie) => {
        while (Date.now() < by) {
          const started = Date.now()
          const answer = await get(`${app.url}/me`, cookie)
          answers.push({ status: answer.status, ms: Date.now() - started, body: answer.body })
          await sleep(150)
        }
      }),
    ),
  )
  expect(answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.body}`)).toEqual([])
  expect(Math.max(...answers.map((a) => a.ms)), 'slowest request (ms)').toBeLessThan(500)
  expect(apps.map((app) => app.output()).join('')).not.toMatch(/store_unavailable|session store failed/)
  // One refresh per session is in flight, held by the provider: no process started another.
  expect(rogue.requests.token - SESSIONS, 'refresh requests').toBeLessThanOrEqual(SESSIONS)
  console.log(
    `hanging provider, 4 processes: ${answers.length} requests, slowest ${Math.max(...answers.map((a) => a.ms))} ms, ${rogue.requests.token - SESSIONS} refresh requests held`,
  )
}, 90_000)
