/**
 * The process holding a session's refresh lock is killed in the middle of a refresh.
 *
 * What "the middle" can mean, and what any relying party can do about it:
 * - Killed BEFORE the provider processed its token request (still in flight in the process or
 *   on the wire): the refresh token in Redis is unused. Its lock is not released, but its
 *   lease is no longer renewed; once it runs out, another process takes the lock, refreshes
 *   with that token, and nobody is logged out. This must hold, and is tested first.
 * - Killed AFTER the provider processed it: the provider has rotated the refresh token and
 *   the new one died with the process. The one in Redis is used up, and presenting it is a
 *   reuse, which the provider answers by revoking the whole grant. No relying party can
 *   avoid that; only a provider-side grace period for a just-used token (Dex's
 *   `reuseInterval`, Okta's grace period) can. What we owe then is a clean end: a 401 (sign
 *   in again), never a 500 or a hang. That is the second test.
 *
 * To kill the holder at exactly those points, its app process wraps the global fetch (see
 * FAULT in ./app-process.mjs): 'stall-refresh' holds its refresh request so it never reaches
 * the provider, 'die-after-refresh' lets the provider answer and then SIGKILLs the process
 * before it can use the answer. (The dev provider has no knob to delay its token endpoint,
 * and a proxy in front of it would need the issuer to be the proxy's URL.) Everything else
 * is real: separate processes, a real Redis lock, a real provider with reuse detection, and
 * a real SIGKILL.
 */
import { describe, it, type TestContext } from 'vitest'
import { defaultClient, signIn, startDevProvider, type DevProvider } from '@oidc-rp/testing'
import { RedisStore } from '@oidc-rp/redis'
import { startRedisServer } from '../support/redis-server.js'
import {
  burst,
  get,
  newSecret,
  startAppProcess,
  statuses,
  untilExpired,
  type AppProcess,
  type AppProcessEnv,
} from './helpers.js'

const TTL = 4
/** Seconds of the refresh lock's lease in every app process. */
const LEASE = 2

interface Scene {
  provider: DevProvider
  /** A client of the scene's Redis, to look at the locks. */
  inspector: RedisStore
  survivor: AppProcess
  holder: AppProcess
  /** alice's session, signed in through the survivor; its tokens have expired. */
  cookie: string
}

/** A Redis, a provider, a healthy app process and a faulty one, all of this test's own. */
async function scene(
  fault: NonNullable<AppProcessEnv['FAULT']>,
  onTestFinished: TestContext['onTestFinished'],
): Promise<Scene> {
  const [redis, provider] = await Promise.all([
    startRedisServer(),
    startDevProvider({ ttl: { accessToken: TTL, idToken: TTL }, rotateRefreshTokens: true }),
  ])
  onTestFinished(() => redis.close())
  onTestFinished(() => provider.close())
  const inspector = new RedisStore({ url: redis.url })
  onTestFinished(() => inspector.close())
  const env = {
    ISSUER: provider.issuer,
    CLIENT_ID: defaultClient.clientId,
    CLIENT_SECRET: defaultClient.clientSecret!,
    SECRET: newSecret(),
    REDIS_URL: redis.url,
    LOCK_LEASE: String(LEASE),
  }
  const [survivor, holder] = await Promise.all([startAppProcess(env), startAppProcess({ ...env, FAULT: fault })])
  onTestFinished(() => survivor.kill('SIGKILL'))
  onTestFinished(() => holder.kill('SIGKILL'))
  const { cookie } = await signIn(survivor.url, 'alice')
  await untilExpired(Date.now(), TTL)
  return { provider, inspector, survivor, holder, cookie }
}

describe.concurrent('the holder of the refresh lock is killed mid-refresh', () => {
  it('killed before the provider processed its refresh: another process refreshes after the lease, and nobody is logged out', async ({
    expect,
    onTestFinished,
  }) => {
    const { provider, inspector, survivor, holder, cookie } = await scene('stall-refresh', onTestFinished)

    // The holder takes the session's lock and sends its refresh, which never arrives...
    const abandoned = get(`${holder.url}/me`, cookie).catch(() => 'connection lost with the killed process')
    await holder.waitFor(/FAULT stalled/)
    const locks = await inspector.client.keys('oidc-rp:lock:*')
    expect(locks).toHaveLength(1)
    // ...and is killed there, holding the lock.
    await holder.kill('SIGKILL')
    expect(await abandoned).toBe('connection lost with the killed process')
    expect(await inspector.client.pttl(locks[0])).toBeGreaterThan(0)

    // The other process's requests wait for the lease to run out, then one of them refreshes.
    const answers = await burst(`${survivor.url}/me`, cookie, 20)
    expect(statuses(answers)).toEqual({ 200: 20 })
    expect(provider.stats.tokenRequests.refresh_token).toBe(1)
    expect((await get(`${survivor.url}/me`, cookie)).status).toBe(200)
    expect(survivor.output()).not.toMatch(/refresh refused/)
  })

  it('killed after the provider rotated the refresh token: the session cannot be saved by anyone, and ends cleanly (401, sign in again)', async ({
    expect,
    onTestFinished,
  }) => {
    const { provider, survivor, holder, cookie } = await scene('die-after-refresh', onTestFinished)

    const abandoned = get(`${holder.url}/me`, cookie).catch(() => 'connection lost with the killed process')
    expect(await abandoned).toBe('connection lost with the killed process')
    await holder.kill()
    expect(holder.output()).toMatch(/FAULT dying \(the provider answered 200\)/)
    expect(provider.stats.tokenRequests.refresh_token).toBe(1)

    // Redis still holds the refresh token the provider has just used up: presenting it is a
    // reuse, and the provider revokes the grant. The session ends, as for any invalid_grant.
    const api = await get(`${survivor.url}/me`, cookie)
    expect(api.status).toBe(401)
    expect(api.setCookie.join()).toMatch(/oidc\.session=;/)
    expect(survivor.output()).toMatch(
      /refresh token refused \(invalid_grant\) for a session of sub "alice": session ended/,
    )
    const browser = await get(`${survivor.url}/me`, cookie, 'text/html')
    expect(browser.status).toBe(302)
    expect(browser.location).toBe('/login?returnTo=%2Fme')
    expect(provider.stats.tokenRequests.refresh_token).toBe(1)
  })
})
