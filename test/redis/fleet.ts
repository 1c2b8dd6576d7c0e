/**
 * What the Sentinel and Cluster suites share: two example processes (Express and Koa, as a
 * user starts them, configured from the environment alone) on one Redis topology, a real
 * provider whose refresh tokens are one-time (a reused one revokes the grant), ~20
 * signed-in sessions, traffic on them while a fault is injected, and the count of sessions
 * that survived: still signed in, and whose next refresh is accepted.
 */
import { randomBytes } from 'node:crypto'
import { signIn, startDevProvider, type DevProvider } from '@oidc-rp/testing'
import { startExample, type ExampleProcess } from '../support/example-process.js'
import { expect } from 'vitest'
import { get, newSecret, poll, sleep, statuses, type Answer } from '../refresh/helpers.js'

/** Token lifetime: a session refreshes every ~2 s (the leeway is half of it). */
export const TTL = 4
export const SESSIONS = 20

export interface Fleet {
  provider: DevProvider
  apps: ExampleProcess[]
  cookies: string[]
  refreshes(): number
  close(): Promise<void>
}

export async function startFleet(redisEnv: Record<string, string>): Promise<Fleet> {
  const client = { clientId: 'fleet', clientSecret: randomBytes(24).toString('base64url') }
  const provider = await startDevProvider({
    clients: [client],
    ttl: { accessToken: TTL, idToken: TTL },
    rotateRefreshTokens: true,
  })
  const env = {
    OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: client.clientId,
    OIDC_CLIENT_SECRET: client.clientSecret,
    OIDC_SECRET: newSecret(),
    ...redisEnv,
  }
  const apps: ExampleProcess[] = []
  const close = async () => {
    await Promise.allSettled(apps.map((app) => app.stop()))
    await provider.close()
  }
  try {
    apps.push(...(await Promise.all(['express', 'koa'].map((name) => startExample(name, env)))))
    const cookies: string[] = []
    for (let i = 0; i < SESSIONS; i += 4) {
      cookies.push(
        ...(await Promise.all([0, 1, 2, 3].map(async (j) => (await signIn(apps[(i + j) % 2].url, 'alice')).cookie))),
      )
    }
    for (const [i, cookie] of cookies.entries()) {
      for (const app of apps) {
        const me = await get(`${app.url}/me`, cookie)
        if (me.status !== 200)
          throw new Error(`session ${i} is not served by ${app.url} right after its sign-in: ${me.status} ${me.body}`)
      }
    }
    return { provider, apps, cookies, refreshes: () => provider.stats.tokenRequests.refresh_token ?? 0, close }
  } catch (error) {
    await close()
    throw error
  }
}

export interface Traffic {
  /** Stops the traffic; resolves to what it saw. */
  stop(): Promise<{ statuses: Record<number, number>; loggedOut: number[] }>
}

/** Each session asks for /me every 200 ms, alternately from each app, until stopped. */
export function traffic(fleet: Fleet): Traffic {
  let stopped = false
  const answers: Answer[] = []
  const loggedOut = new Set<number>()
  const loops = fleet.cookies.map(async (cookie, i) => {
    for (let n = i; !stopped; n += 1) {
      const answer = await get(`${fleet.apps[n % fleet.apps.length].url}/me`, cookie).catch(
        (error: unknown) => ({ status: 0, body: String(error) }) as Answer,
      )
      answers.push(answer)
      if (answer.status === 401) loggedOut.add(i)
      await sleep(200)
    }
  })
  return {
    async stop() {
      stopped = true
      await Promise.all(loops)
      return { statuses: statuses(answers), loggedOut: [...loggedOut] }
    },
  }
}

/**
 * Waits until every session's tokens have expired, then asks for /me per session from each
 * app in turn: the first request refreshes with the refresh token in Redis, which the
 * provider accepts only if it is the last one it issued. A 503 is asked again after its
 * Retry-After, for up to 15 s (an app still reconnecting to the new master says "try again
 * shortly": nothing is lost); a lost session answers 401. Answers how many sessions are
 * served by both apps afterwards, how many refreshes that took, and the longest an app took
 * to serve again.
 */
export async function survivors(
  fleet: Fleet,
): Promise<{ alive: number; refreshed: number; statuses: Record<number, number>; slowestMs: number }> {
  await untilAllExpired(fleet)
  const before = fleet.refreshes()
  const started = Date.now()
  let slowestMs = 0
  const served = async (url: string, cookie: string) => {
    const answer = await poll(`${url}/me`, cookie, (a) => a.status !== 503, 15_000)
    slowestMs = Math.max(slowestMs, Date.now() - started)
    return answer
  }
  const answers = await Promise.all(
    fleet.cookies.map(async (cookie) => [
      await served(fleet.apps[0].url, cookie),
      await served(fleet.apps[1].url, cookie),
    ]),
  )
  return {
    alive: answers.filter(([first, second]) => first?.status === 200 && second?.status === 200).length,
    refreshed: fleet.refreshes() - before,
    statuses: statuses(answers.flat()),
    slowestMs,
  }
}

/**
 * Resolves once the tokens of every refresh so far have expired. A refresh still in flight
 * when the traffic stopped (one waiting out the store's 2 s after a failover) moves that
 * moment on: its session would otherwise be served with valid tokens, and not refresh.
 */
async function untilAllExpired(fleet: Fleet): Promise<void> {
  let seen = fleet.refreshes()
  let last = Date.now()
  for (let left = TTL * 1000 + 250; left > 0; left = last + TTL * 1000 + 250 - Date.now()) {
    await sleep(Math.min(left, 100))
    if (fleet.refreshes() !== seen) [seen, last] = [fleet.refreshes(), Date.now()]
  }
}

/** The session id in a `Cookie` header: the signed value of `oidc.session` without its signature. */
export function sessionId(cookie: string): string {
  const value = /(?:^|;\s*)oidc\.session=([^;]+)/.exec(cookie)?.[1]
  if (value === undefined) throw new Error(`no session cookie in ${cookie}`)
  const signed = decodeURIComponent(value)
  return signed.slice(0, signed.lastIndexOf('.'))
}

/**
 * Traffic on every session for 2.5 s, then `fault` (which resolves to a line on how it
 * went, once the topology serves again), traffic for `settle` ms more (by default 4 s: the
 * store's 2 s after a failover, then a refresh cycle); then expects that no
 * session was logged out, that requests got only 200 or 503 (no 500, no sign-in
 * redirect), that sessions were refreshed both before the fault and after it while the
 * traffic went on, and that every session is still served and refreshed afterwards. Prints
 * the figures.
 */
export async function expectNoSessionLost(
  fleet: Fleet,
  label: string,
  fault: () => Promise<string>,
  settle = 4000,
): Promise<void> {
  const load = traffic(fleet)
  const start = fleet.refreshes()
  await sleep(2500)
  const atFault = fleet.refreshes()
  const how = await fault()
  await sleep(settle)
  const seen = await load.stop()
  const [before, since] = [atFault - start, fleet.refreshes() - atFault]
  const after = await survivors(fleet)
  console.log(
    `${label}: ${how}; traffic ${JSON.stringify(seen.statuses)}, ${before + since} refreshes (${before} before the fault, ${since} since); afterwards ${after.alive}/${fleet.cookies.length} sessions alive, ${after.refreshed} refreshes ${JSON.stringify(after.statuses)}, all served within ${after.slowestMs} ms`,
  )
  if (seen.loggedOut.length > 0 || after.alive !== fleet.cookies.length) {
    for (const app of fleet.apps)
      console.log(`what ${app.url} logged:\n${app.output().split('\n').slice(-30).join('\n')}`)
  }
  // The fault came amid refreshes, and sessions were refreshed again before the traffic stopped.
  expect(before).toBeGreaterThan(0)
  expect(since).toBeGreaterThan(0)
  expect(seen.loggedOut).toEqual([])
  expect(Object.keys(seen.statuses).filter((s) => s !== '200' && s !== '503')).toEqual([])
  expect(after.alive).toBe(fleet.cookies.length)
  expect(after.refreshed).toBe(fleet.cookies.length)
}
