/**
 * Refresh across processes: four relying-party processes (./app-process.mjs, Express) share
 * one real Redis. The Redis lock lets one of them refresh a session while the others wait
 * and re-read it, so a provider that rotates refresh tokens and revokes the whole grant on
 * reuse sees exactly one refresh, and nobody is logged out.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { defaultClient, signIn, startDevProvider, type DevProvider } from '@oidc-rp/testing'
import { startRedisServer, type RedisServer } from '../support/redis-server.js'
import {
  burst,
  get,
  newSecret,
  sleep,
  startAppProcess,
  statuses,
  until,
  untilDue,
  untilExpired,
  type AppProcess,
} from './helpers.js'

/** Long enough that the bursts are over well before the refreshed tokens are due (3 s). */
const TTL = 6

let redis: RedisServer
let provider: DevProvider
let apps: AppProcess[] = []

beforeAll(async () => {
  ;[redis, provider] = await Promise.all([
    startRedisServer(),
    startDevProvider({ ttl: { accessToken: TTL, idToken: TTL }, rotateRefreshTokens: true }),
  ])
  // A slow token endpoint (750 ms): every process gets its requests, and reads the session
  // with the refresh token being used, while the first refresh is still in flight.
  const env = {
    ISSUER: provider.issuer,
    CLIENT_ID: defaultClient.clientId,
    CLIENT_SECRET: defaultClient.clientSecret!,
    SECRET: newSecret(),
    REDIS_URL: redis.url,
    REFRESH_DELAY_MS: '750',
  }
  apps = await Promise.all([1, 2, 3, 4].map(() => startAppProcess(env)))
}, 60_000)

afterAll(async () => {
  await Promise.all(apps.map((app) => app.kill()))
  await provider?.close()
  await redis?.close()
})

it('four processes, 50 concurrent requests each on one expired session: all 200, exactly one refresh, the session valid afterwards', async () => {
  // Signed in through the first process; the others know the session from Redis alone.
  const { cookie } = await signIn(apps[0].url, 'alice')
  await untilExpired(Date.now(), TTL)
  const refreshesBefore = provider.stats.tokenRequests.refresh_token ?? 0
  const answers = (await Promise.all(apps.map((app) => burst(`${app.url}/me`, cookie, 50)))).flat()
  const refreshedBy = Date.now()

  expect(statuses(answers)).toEqual({ 200: 200 })
  expect(answers.every((a) => (JSON.parse(a.body) as { sub?: string }).sub === 'alice')).toBe(true)
  expect((provider.stats.tokenRequests.refresh_token ?? 0) - refreshesBefore).toBe(1)
  for (const app of apps) expect((await get(`${app.url}/me`, cookie)).status).toBe(200)
  expect((provider.stats.tokenRequests.refresh_token ?? 0) - refreshesBefore).toBe(1)

  // Redis holds the refresh token the provider issued last, whichever process refreshed:
  // the next refresh, from the last process, is accepted (a used one would revoke the grant).
  // (Still valid then: served at once and refreshed in the background.)
  await untilDue(refreshedBy, TTL)
  expect((await get(`${apps[3].url}/me`, cookie)).status).toBe(200)
  await until(() => (provider.stats.tokenRequests.refresh_token ?? 0) - refreshesBefore >= 2, 5000)
  await sleep(200)
  for (const app of apps) expect((await get(`${app.url}/me`, cookie)).status).toBe(200)
  expect((provider.stats.tokenRequests.refresh_token ?? 0) - refreshesBefore).toBe(2)
})
