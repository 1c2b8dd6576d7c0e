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
import { expectNoSessionLost, startFleet, type Fleet } from './fleet.js'

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
  for (const app of fleet.apps)
    expect(app.output()).toContain(`sessions in Redis (REDIS_SENTINELS, master ${sentinel.name})`)
})

it('SENTINEL FAILOVER under traffic and refreshes loses no session', async () => {
  await expectNoSessionLost(
    fleet,
    'SENTINEL FAILOVER',
    async () => {
      const old = await sentinel.master()
      const started = Date.now()
      await sentinel.failover()
      const promoted = Date.now() - started
      await sentinel.resynced(old) // what was written only on the old master is gone now
      return `new master after ${promoted} ms, old one resynced after ${Date.now() - started} ms`
    },
    1000,
  )
}, 60_000)

it('a SIGKILLed master under traffic and refreshes loses no session', async () => {
  await expectNoSessionLost(
    fleet,
    'Sentinel master SIGKILL',
    async () => {
      const old = await sentinel.master()
      const started = Date.now()
      await old.stop('SIGKILL')
      await until('the sentinels name a new master', async () => (await sentinel.master()) !== old)
      return `new master after ${Date.now() - started} ms`
    },
    5000, // the apps reconnect, wait 2 s (RedisStore's settle), then refresh: all under traffic
  )
}, 60_000)
