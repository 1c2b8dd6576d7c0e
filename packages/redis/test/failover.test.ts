/**
 * What RedisStore does around a failover, against a real master and replica (redis-server),
 * with `confirmWrites`: the refresh lock counts only once a replica has it; after a
 * reconnection (onto a new master) the store writes its recent changes again and hands over
 * refresh locks only once every process has had the time to do the same; an error reported
 * while the client is ready, or a client that gave up, does not leave it answering 503.
 */
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import type { SessionData } from '@oidc-rp/core'
import { ask, serverArgs, startRedisProcess, until, type RedisProcess } from './support/redis-process.js'
import { RedisStore } from '../src/index.js'

let master: RedisProcess
let replica: RedisProcess
let raw: Redis
const stores: RedisStore[] = []
const prefix = `r${randomBytes(4).toString('hex')}:`

beforeAll(async () => {
  master = await startRedisProcess({ name: 'master', args: (port, dir) => serverArgs(port, dir) })
  replica = await startRedisProcess({
    name: 'replica',
    args: (port, dir) => serverArgs(port, dir, ['--replicaof', '127.0.0.1', String(master.port)]),
  })
  await until('the replica synced', async () => /state=online/.test(await ask(master.port, 'INFO', 'replication')))
  raw = new Redis(master.port, '127.0.0.1')
})
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()))
})
afterAll(async () => {
  raw?.disconnect()
  await Promise.all([replica?.close(), master?.close()])
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function store(log: string[] = []): RedisStore {
  const created = new RedisStore({
    url: `redis://${master.address}`,
    confirmWrites: true,
    lockWait: 1,
    prefix,
    logger: { warn: (m) => log.push(m), error: (m) => log.push(m) },
  })
  stores.push(created)
  return created
}

function session(accessToken: string): SessionData {
  const t = Math.floor(Date.now() / 1000)
  return {
    sub: 'alice',
    claims: { sub: 'alice' },
    idToken: 'header.payload.signature',
    idTokenExpiresAt: t + 300,
    accessToken,
    tokenType: 'Bearer',
    accessTokenExpiresAt: t + 300,
    refreshToken: `refresh-of-${accessToken}`,
    tokensAt: t,
    createdAt: t,
    touchedAt: t,
  }
}

it('takes a refresh lock only once a replica has it; an unconfirmed one is let go', async () => {
  const s = store()
  const held = await s.lock('confirmed')
  expect(await raw.exists(`${prefix}lock:confirmed`)).toBe(1)
  await held.release()

  replica.signal('SIGSTOP') // the master is cut off from its replica: WAIT 1 gets no acknowledgement
  try {
    await expect(s.lock('cut-off')).rejects.toThrow(/no Redis replica confirmed a refresh lock within 1s/)
    await until('the unconfirmed lock is let go', async () => (await raw.exists(`${prefix}lock:cut-off`)) === 0, 2000)
  } finally {
    replica.signal('SIGCONT')
  }
  const again = await s.lock('cut-off')
  await again.release()
})

it('after a reconnection, writes its recent changes again and hands over a lock asked for meanwhile only after 2 s', async () => {
  const log: string[] = []
  const s = store(log)
  await s.set('s1', session('renewed'), 600)
  // What a new master holds after a failover that lost the last write: an older copy.
  const key = `${prefix}s:s1`
  await raw.hset(key, 'd', JSON.stringify(session('before-the-refresh')), 'w', '1')

  s.client.disconnect(true) // reconnects at once, as the client does onto a new master
  const asked = Date.now()
  const lock = await s.lock('s1') // sent as soon as the client is ready again
  const waited = Date.now() - asked
  await lock.release()

  expect(waited).toBeGreaterThanOrEqual(1900)
  expect((await s.get('s1', { fresh: true }))?.accessToken).toBe('renewed')
  expect(log).toContain(
    'Redis reconnected; wrote 1 recent session change again in case a new master had not received them',
  )
})

it('serves while its client is ready, whatever error was reported before', async () => {
  const log: string[] = []
  const s = store(log)
  await s.set('s1', session('kept'), 600)
  s.client.emit('error', new Error('a late error from an earlier connection attempt')) // a fault no server can be made to send
  expect((await s.get('s1', { fresh: true }))?.accessToken).toBe('kept')
  expect(log).toEqual([
    'Redis unavailable (a late error from an earlier connection attempt); requests that need sessions get 503 until it is back',
    'Redis is back',
  ])
})

it('starts its client again when the client gives up for good', async () => {
  const s = store()
  await s.set('s1', session('kept'), 600)
  const ended = once(s.client, 'end')
  s.client.disconnect() // as ioredis ends itself when a +switch-master interrupts its asking the sentinels
  await ended
  let answer: SessionData | undefined
  for (const deadline = Date.now() + 5000; answer === undefined && Date.now() < deadline; await sleep(100))
    answer = await s.get('s1', { fresh: true }).catch(() => undefined)
  expect(answer?.accessToken).toBe('kept')
})
