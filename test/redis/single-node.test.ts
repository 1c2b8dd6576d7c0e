/**
 * One Redis node, faults by signals and ACLs: a refresh lock attempt that Redis answers only
 * after a 3 s SIGSTOP leaves no lock behind; a PUBLISH that fails does not fail a logout
 * (which still goes to the provider's end-session endpoint) and turns the read caches off;
 * sign-ins followed by logouts leave only one-time keys and revocations, each with a TTL.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { RedisStore } from '@oidc-rp/redis'
import { signIn, startDevProvider, type DevProvider } from '@oidc-rp/testing'
import { startExample, type ExampleProcess } from '../support/example-process.js'
import { ask, lines } from '../support/redis-process.js'
import { startRedisServer, type RedisServer } from '../support/redis-server.js'
import { get, newSecret, sleep } from '../refresh/helpers.js'
import { sessionId } from './fleet.js'

let redis: RedisServer
let provider: DevProvider
const client = { clientId: 'single', clientSecret: randomBytes(24).toString('base64url') }

beforeAll(async () => {
  ;[redis, provider] = await Promise.all([startRedisServer(), startDevProvider({ clients: [client] })])
}, 60_000)
afterAll(async () => {
  redis?.signal('SIGCONT')
  await provider?.close()
  await redis?.close()
})

const environment = (url: string) => ({
  OIDC_ISSUER: provider.issuer,
  OIDC_CLIENT_ID: client.clientId,
  OIDC_CLIENT_SECRET: client.clientSecret,
  OIDC_SECRET: newSecret(),
  REDIS_URL: url,
})

it('a lock attempt that Redis runs only after a 3 s SIGSTOP is undone: the next lock is had in milliseconds, not a lease', async () => {
  const stalled = new RedisStore({ url: redis.url, prefix: 'stall:', lockLease: 10, cache: 0 })
  const next = new RedisStore({ url: redis.url, prefix: 'stall:', lockLease: 10, cache: 0 })
  try {
    await next.get('warm-up') // connected before the stall
    redis.signal('SIGSTOP')
    let attempt: Promise<unknown>
    try {
      attempt = stalled.lock('s1').then(
        () => 'locked',
        (error: unknown) => error,
      )
      await sleep(3000)
    } finally {
      redis.signal('SIGCONT')
    }
    expect(await attempt).toBeInstanceOf(Error) // timed out on the client; Redis ran it later
    const started = Date.now()
    const lock = await next.lock('s1')
    const took = Date.now() - started
    console.log(`lock after a 3 s SIGSTOP during an attempt: had in ${took} ms (lease 10 s)`)
    expect(took).toBeLessThan(1000)
    await lock.release()
  } finally {
    await Promise.all([stalled.close(), next.close()])
  }
}, 30_000)

it('a failed PUBLISH fails no logout, which still redirects to the end-session endpoint, and turns the caches off', async () => {
  // A user that may do everything but PUBLISH.
  expect(
    lines(await ask(redis.port, 'ACL', 'SETUSER', 'nopublish', 'on', '>secret-pw', '~*', '&*', '+@all', '-publish'))[0],
  ).toBe('OK')
  const url = `redis://nopublish:secret-pw@127.0.0.1:${redis.port}`
  const env = environment(url)
  const apps: ExampleProcess[] = []
  try {
    apps.push(...(await Promise.all(['express', 'fastify'].map((name) => startExample(name, env)))))
    const { cookie } = await signIn(apps[0].url, 'alice')
    for (const app of apps) expect((await get(`${app.url}/me`, cookie)).status).toBe(200)
    const logout = await get(`${apps[0].url}/logout`, cookie, 'text/html')
    expect(logout.status, logout.body).toBe(302)
    expect(logout.location).toMatch(new RegExp(`^${provider.issuer}`))
    // No invalidation reached the other process, but its cache is off (no heartbeat came back).
    const other = await get(`${apps[1].url}/me`, cookie)
    expect(other.status).toBe(401)
    expect(apps[0].output()).toMatch(/could not tell the other processes that a session changed/)
  } finally {
    await Promise.allSettled(apps.map((app) => app.stop()))
  }
}, 60_000)

it('sign-ins followed by logouts leave only one-time keys and revocations, each with a TTL', async () => {
  await ask(redis.port, 'FLUSHALL')
  const app = await startExample('express', environment(redis.url))
  const N = 30
  try {
    for (let i = 0; i < N; i += 5) {
      await Promise.all(
        [0, 1, 2, 3, 4].map(async () => {
          const { cookie } = await signIn(app.url, 'alice')
          expect((await get(`${app.url}/me`, cookie)).status).toBe(200)
          expect(await ask(redis.port, 'EXISTS', `oidc-rp:s:${sessionId(cookie)}`)).toMatch(/^1/)
          expect((await get(`${app.url}/logout`, cookie, 'text/html')).status).toBe(302)
        }),
      )
    }
  } finally {
    await app.stop()
  }
  const keys = lines(await ask(redis.port, 'KEYS', '*'))
  const size = Number(lines(await ask(redis.port, 'DBSIZE'))[0])
  const ttls = await Promise.all(keys.map(async (key) => Number(lines(await ask(redis.port, 'PTTL', key))[0])))
  const kinds: Record<string, number> = {}
  for (const key of keys) kinds[key.split(':')[1]] = (kinds[key.split(':')[1]] ?? 0) + 1
  console.log(
    `after ${N} sign-ins and logouts: DBSIZE ${size} ${JSON.stringify(kinds)}, longest TTL ${Math.max(0, ...ttls)} ms`,
  )
  expect(keys.filter((key) => !/^oidc-rp:(once|revoked):/.test(key))).toEqual([])
  for (const ttl of ttls) expect(ttl).toBeGreaterThan(0)
}, 60_000)
