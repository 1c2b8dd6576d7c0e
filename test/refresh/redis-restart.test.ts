/**
 * Redis goes away in the middle of a run (killed: a crash, not a clean shutdown) and comes
 * back. Meanwhile every request that needs its session gets 503 with Retry-After (a page
 * too: the session is not lost, so no sign-in redirect), each store logs one line, and no
 * app crashes. Afterwards the same apps, not restarted, serve every session that was
 * written before: Redis fsyncs its append-only file at every write. Every adapter.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { RedisStore } from '@oidc-rp/redis'
import { signIn, SignInError, startDevProvider, type DevProvider } from '@oidc-rp/testing'
import { drivers, type RunningApp } from '../contract/drivers.js'
import { startRedisServer, type RedisServer } from '../support/redis-server.js'
import { devAppOptions, get, sleep } from './helpers.js'

interface Subject {
  name: string
  app: RunningApp
  store: RedisStore
  log: { warn: string[]; error: string[] }
  cookies: { alice: string; bob: string }
}

let redis: RedisServer
let provider: DevProvider
const subjects: Subject[] = []

beforeAll(async () => {
  ;[redis, provider] = await Promise.all([startRedisServer(), startDevProvider()])
  for (const driver of drivers) {
    const log = { warn: [] as string[], error: [] as string[] }
    const store = new RedisStore({
      url: redis.url,
      prefix: `${driver.name}:`,
      logger: { warn: (m) => log.warn.push(m), error: (m) => log.error.push(m) },
    })
    const app = await driver.start({ ...devAppOptions(provider), session: { store } })
    const cookies = { alice: (await signIn(app.url, 'alice')).cookie, bob: (await signIn(app.url, 'bob')).cookie }
    subjects.push({ name: driver.name, app, store, log, cookies })
  }
}, 60_000)

afterAll(async () => {
  await Promise.all(subjects.map(({ app }) => app.close()))
  await Promise.all(subjects.map(({ store }) => store.close()))
  await provider?.close()
  await redis?.close()
})

it('answers 503 while Redis is down and serves every earlier session again once it is back, without restarting the apps', async () => {
  for (const { name, app, cookies } of subjects) {
    expect((await get(`${app.url}/me`, cookies.alice)).status, name).toBe(200)
  }

  await redis.stop('SIGKILL')
  try {
    for (const { name, app, cookies, log } of subjects) {
      for (const [path, accept] of [
        ['/me', 'application/json'],
        ['/me', 'text/html'],
        ['/admin', 'application/json'],
      ] as const) {
        const down = await get(`${app.url}${path}`, cookies.alice, accept)
        expect(down.status, `${name} ${path} ${accept}: ${down.body}`).toBe(503)
        expect(down.retryAfter, name).toMatch(/^\d+$/)
        expect(down.location, name).toBeNull()
        expect(down.setCookie.join(), name).not.toMatch(/oidc\.session=;/)
      }
      // Signing in needs the store too (the login state is used once): 503, not a half session.
      const signingIn = await signIn(app.url, 'carol').catch((error: unknown) => error)
      expect(signingIn, name).toBeInstanceOf(SignInError)
      expect(signingIn, name).toMatchObject({ step: 'app callback', status: 503 })
      expect(log.error, name).toHaveLength(1)
      expect(log.error[0], name).toMatch(/^Redis unavailable \(.*ECONNREFUSED.*\)/)
    }
  } finally {
    await redis.restart()
  }

  // The apps' Redis clients reconnect by themselves (within about a second).
  for (const { name, app, cookies } of subjects) {
    let status = 0
    for (const deadline = Date.now() + 15_000; status !== 200 && Date.now() < deadline;) {
      status = (await get(`${app.url}/me`, cookies.alice)).status
      if (status !== 200) {
        expect(status, name).toBe(503)
        await sleep(100)
      }
    }
    expect(status, name).toBe(200)
  }
  for (const { name, app, cookies, log } of subjects) {
    const alice = await get(`${app.url}/me`, cookies.alice)
    expect(JSON.parse(alice.body), name).toMatchObject({ sub: 'alice', groups: ['admins', 'developers'] })
    expect((await get(`${app.url}/admin`, cookies.alice)).status, name).toBe(200)
    const bob = await get(`${app.url}/me`, cookies.bob)
    expect(JSON.parse(bob.body), name).toMatchObject({ sub: 'bob' })
    expect((await get(`${app.url}/admin`, cookies.bob)).status, name).toBe(403)
    const carol = await signIn(app.url, 'carol')
    expect((await get(`${app.url}/me`, carol.cookie)).status, name).toBe(200)
    expect(log.warn, name).toContain('Redis is back')
    expect(log.error, name).toHaveLength(1)
  }
})
