/**
 * Cluster (3 masters, 3 replicas) under traffic and refreshes of 20 sessions through two
 * example processes configured with REDIS_CLUSTER_NODES: a SIGKILLed master and a
 * `CLUSTER FAILOVER` lose no session. And the read cache: when the node that carries a
 * store's subscription dies, a logout elsewhere is not served from its cache for more than
 * about a second.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { RedisStore } from '@oidc-rp/redis'
import { ask, lines, until } from '../support/redis-process.js'
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster.js'
import { get, sleep } from '../refresh/helpers.js'
import { expectNoSessionLost, sessionId, startFleet, type Fleet } from './fleet.js'

let cluster: RedisCluster
let fleet: Fleet

beforeAll(async () => {
  cluster = await startRedisCluster()
  fleet = await startFleet({ REDIS_CLUSTER_NODES: cluster.nodeList })
}, 60_000)

afterAll(async () => {
  await fleet?.close()
  await cluster?.close()
})

/** Subscribers of the invalidation channel on each running node, by port. */
async function subscribers(): Promise<Map<number, number>> {
  const counts = new Map<number, number>()
  for (const p of cluster.processes.filter((p) => p.running))
    counts.set(p.port, Number(lines(await ask(p.port, 'PUBSUB', 'NUMSUB', 'oidc-rp:invalidate'))[1]))
  return counts
}

it('the examples use the Cluster', () => {
  for (const app of fleet.apps) expect(app.output()).toContain('sessions in Redis (REDIS_CLUSTER_NODES)')
})

it('a store whose subscription node dies stops serving a session from its cache within a second of its logout elsewhere', async () => {
  const before = await subscribers()
  const reader = new RedisStore({ cluster: cluster.processes.map((p) => ({ host: '127.0.0.1', port: p.port })) })
  try {
    let node = 0
    await until('the reader subscribed', async () => {
      const after = await subscribers()
      node = [...after].find(([port, n]) => n > (before.get(port) ?? 0))?.[0] ?? 0
      return node !== 0
    })
    // A session whose key lives elsewhere, so that the logout itself works at once.
    let chosen = -1
    for (const [i, cookie] of fleet.cookies.entries()) {
      if ((await cluster.masterOf(`oidc-rp:s:${sessionId(cookie)}`)).process.port !== node) {
        chosen = i
        break
      }
    }
    expect(chosen).toBeGreaterThanOrEqual(0)
    const cookie = fleet.cookies[chosen]
    const id = sessionId(cookie)
    await sleep(500) // the reader's first heartbeat is back: its cache is on
    expect(await reader.get(id)).toBeDefined()
    expect(reader.peek(id)).toBeDefined() // served from the cache from now on

    await cluster.processes.find((p) => p.port === node)!.stop('SIGKILL')
    // The logout ends the session at once (its key lives on a node that runs); its other
    // writes (indexes, revocation) may need the dead node's slots: 503 until the failover.
    const loggedOutAt = Date.now()
    const logout = get(`${fleet.apps[0].url}/logout`, cookie, 'text/html')
    let stale = 0
    for (;;) {
      const seen = await reader.get(id).then(
        (s) => s !== undefined,
        () => false,
      )
      if (!seen) break
      stale = Date.now() - loggedOutAt
      if (stale > 5000) break
      await sleep(20)
    }
    expect([302, 503]).toContain((await logout).status)
    console.log(
      `Cluster, subscription node killed: the logged-out session served from another store's cache for ${stale} ms after the logout began`,
    )
    expect(stale).toBeLessThan(1000)
    fleet.cookies.splice(chosen, 1)
  } finally {
    await reader.close()
  }
  await cluster.healthy()
}, 30_000)

it('a SIGKILLed master under traffic and refreshes loses no session', async () => {
  await expectNoSessionLost(fleet, 'Cluster master SIGKILL', async () => {
    const victim = await cluster.replicatedMaster()
    const started = Date.now()
    await victim.process.stop('SIGKILL')
    await cluster.healthy()
    return `cluster ok again after ${Date.now() - started} ms`
  })
}, 60_000)

it('CLUSTER FAILOVER under traffic and refreshes loses no session', async () => {
  await expectNoSessionLost(fleet, 'CLUSTER FAILOVER', async () => {
    const master = await cluster.replicatedMaster()
    const started = Date.now()
    await cluster.failover(master)
    await cluster.healthy()
    return `done after ${Date.now() - started} ms`
  })
}, 60_000)
