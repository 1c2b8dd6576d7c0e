/**
 * Single-flight refresh in one process, for every adapter, with the default in-memory
 * store: 200 concurrent requests of one session whose tokens have expired are all served,
 * and the provider (which rotates refresh tokens and revokes the whole grant when a used
 * one comes back) sees exactly one refresh.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signIn, startDevProvider, type DevProvider } from '@oidc-rp/testing'
import { drivers, type RunningApp } from '../contract/drivers.js'
import { burst, devAppOptions, get, sleep, statuses, until, untilDue, untilExpired } from './helpers.js'

/**
 * Long enough that the burst is over well before the refreshed tokens are due in turn
 * (half their lifetime: 3 s), short enough to wait for.
 */
const TTL = 6

let provider: DevProvider
const apps = new Map<string, { app: RunningApp; cookie: string }>()
let lastBurstAt = 0

beforeAll(async () => {
  provider = await startDevProvider({ ttl: { accessToken: TTL, idToken: TTL }, rotateRefreshTokens: true })
  // Every adapter's app signs alice in first, so that one wait covers them all.
  for (const driver of drivers) {
    const app = await driver.start(devAppOptions(provider))
    const { cookie } = await signIn(app.url, 'alice')
    apps.set(driver.name, { app, cookie })
  }
  await untilExpired(Date.now(), TTL)
}, 60_000)

afterAll(async () => {
  await Promise.all([...apps.values()].map(({ app }) => app.close()))
  await provider?.close()
})

describe.each(drivers)('$name, one process, memory store', (driver) => {
  it('serves 200 concurrent requests of a session whose tokens expired, with exactly one refresh at the provider', async () => {
    const { app, cookie } = apps.get(driver.name)!
    const refreshesBefore = provider.stats.tokenRequests.refresh_token ?? 0
    const answers = await burst(`${app.url}/me`, cookie, 200)
    lastBurstAt = Date.now()

    expect(statuses(answers)).toEqual({ 200: 200 })
    expect(answers.every((a) => (JSON.parse(a.body) as { sub?: string }).sub === 'alice')).toBe(true)
    expect((provider.stats.tokenRequests.refresh_token ?? 0) - refreshesBefore).toBe(1)
  })
})

it('left every session holding the refresh token the provider issued last: the next refresh is accepted', async () => {
  // A session that kept a used refresh token would present it now, and the provider would
  // revoke the grant: 401.
  await untilDue(lastBurstAt, TTL)
  const refreshesBefore = provider.stats.tokenRequests.refresh_token ?? 0
  const refreshes = () => (provider.stats.tokenRequests.refresh_token ?? 0) - refreshesBefore
  for (const [name, { app, cookie }] of apps) {
    expect((await get(`${app.url}/me`, cookie)).status, name).toBe(200)
  }
  // The tokens were still valid: each session was served at once and refreshed in the
  // background. Once those refreshes are done, every session is still signed in.
  await until(() => refreshes() >= apps.size, 5000)
  await sleep(200)
  for (const [name, { app, cookie }] of apps) {
    expect((await get(`${app.url}/me`, cookie)).status, name).toBe(200)
  }
  expect(refreshes()).toBe(apps.size)
})
