/**
 * Sentinel (a master, two replicas, three sentinels) under traffic and refreshes of 20
 * sessions through two example processes configured with REDIS_SENTINELS: a graceful
 * `SENTINEL FAILOVER` and a killed master lose no session. The old master of a graceful
 * failover stays writable until Sentinel turns it into a replica and it resyncs ("Flushing
 * old data"): the run goes on until that has happened, so a write that went there is seen
 * lost.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startRedisSentinel, type RedisSentinelSetup } from '../support/redis-sentinel.js'
import { until } from '../support/redis-process.js'
import { sleep } from '../refresh/helpers.js'
import { SESSIONS, startFleet, survivors, traffic, type Fleet } from './fleet.js'

let sentinel: RedisSentinelSetup
let fleet: Fleet

beforeAll(async () => {
  sentinel = await startRedisSentinel()
  fleet = await startFleet({ REDIS_SENTINELS: sentinel.sentinelList, REDIS_SENTINEL_NAME: sentinel.name })
}, 60_000)

afterAll(async () => {
  await fleet?.close()
  await sentinel?.close()
})

it('the examples use Sentinel', () => {
  for (const app of fleet.apps) expect(app.output()).toContain(`sessions in Redis (REDIS_SENTINELS, master ${sentinel.name})`)
})

it('SENTINEL FAILOVER under traffic and refreshes loses no session', async () => {
  const load = traffic(fleet)
  const refreshesBefore = fleet.refreshes()
  await sleep(2500)
  const old = await sentinel.master()
  const started = Date.now()
  await sentinel.failover()
  const promoted = Date.now() - started
  await sentinel.resynced(old) // what was written only on the old master is gone now
  const resynced = Date.now() - started
  await sleep(1000)
  const seen = await load.stop()
  const refreshesDuring = fleet.refreshes() - refreshesBefore
  const after = await survivors(fleet)
  console.log(`SENTINEL FAILOVER: new master after ${promoted} ms, old one resynced after ${resynced} ms; traffic ${JSON.stringify(seen.statuses)}, ${refreshesDuring} refreshes; afterwards ${after.alive}/${SESSIONS} sessions alive, ${after.refreshed} refreshes ${JSON.stringify(after.statuses)}`)
  expect(refreshesDuring).toBeGreaterThan(SESSIONS * 2) // the failover happened amid refreshes
  expect(seen.loggedOut).toEqual([])
  expect(Object.keys(seen.statuses).filter((s) => s !== '200' && s !== '503')).toEqual([])
  expect(after.alive).toBe(SESSIONS)
  expect(after.refreshed).toBe(SESSIONS)
}, 60_000)

it('a SIGKILLed master under traffic and refreshes loses no session', async () => {
  const load = traffic(fleet)
  const refreshesBefore = fleet.refreshes()
  await sleep(2500)
  const old = await sentinel.master()
  const started = Date.now()
  await old.stop('SIGKILL')
  let promoted = 0
  await until('the sentinels name a new master', async () => (await sentinel.master()) !== old)
  promoted = Date.now() - started
  await sleep(3000)
  const seen = await load.stop()
  const refreshesDuring = fleet.refreshes() - refreshesBefore
  const after = await survivors(fleet)
  console.log(`Sentinel master SIGKILL: new master after ${promoted} ms; traffic ${JSON.stringify(seen.statuses)}, ${refreshesDuring} refreshes; afterwards ${after.alive}/${SESSIONS} sessions alive, ${after.refreshed} refreshes ${JSON.stringify(after.statuses)}`)
  expect(refreshesDuring).toBeGreaterThan(SESSIONS * 2)
  expect(seen.loggedOut).toEqual([])
  expect(Object.keys(seen.statuses).filter((s) => s !== '200' && s !== '503')).toEqual([])
  expect(after.alive).toBe(SESSIONS)
  expect(after.refreshed).toBe(SESSIONS)
}, 60_000)
