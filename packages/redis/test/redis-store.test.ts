/**
 * RedisStore against a real redis-server (test/support/redis-server.ts in this package): sessions, TTLs,
 * rolling expiry, one-time keys, the sid/sub indexes, the refresh lock across clients and
 * processes, and what happens while Redis is down and after it is back.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { OidcError, type SessionData, type SessionLock } from '@oidc-rp/core'
import { startRedisServer, type RedisServer } from './support/redis-server.js'
import { parseAddresses, RedisStore, type RedisStoreOptions } from '../src/index.js'

let redis: RedisServer
const stores: RedisStore[] = []

beforeAll(async () => {
  redis = await startRedisServer()
})
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()))
})
afterAll(async () => {
  await redis?.close()
})

interface Log {
  warn: string[]
  error: string[]
}

/** A store with its own client and a logger that records; every test gets a fresh key prefix. */
function store(options: Partial<RedisStoreOptions> = {}, log: Log = { warn: [], error: [] }): RedisStore {
  const created = new RedisStore({
    url: redis.url,
    prefix,
    logger: { warn: (m) => log.warn.push(m), error: (m) => log.error.push(m) },
    ...options,
  })
  stores.push(created)
  return created
}

/** Keys of each test under their own prefix, so tests cannot see each other's keys. */
let prefix = ''
beforeEach(() => {
  prefix = `t${randomBytes(4).toString('hex')}:`
})

/** A session; a field given as undefined is one the session does not have. */
function session(overrides: { [K in keyof SessionData]?: SessionData[K] | undefined } = {}): SessionData {
  const t = Math.floor(Date.now() / 1000)
  return <SessionData>{
    sub: 'alice',
    sid: 'provider-session-1',
    claims: { sub: 'alice', iss: 'http://127.0.0.1:1', aud: 'app', groups: ['admins'] },
    idToken: 'header.payload.signature',
    idTokenExpiresAt: t + 300,
    accessToken: 'access-1',
    tokenType: 'Bearer',
    accessTokenExpiresAt: t + 300,
    refreshToken: 'refresh-1',
    tokensAt: t,
    createdAt: t,
    touchedAt: t,
    ...overrides,
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Resolves to the promise's outcome, or 'pending' if it has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<{ value: T } | { error: unknown } | 'pending'> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), ms)))
  try {
    return await Promise.race([
      promise.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      timeout,
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** What a bad option throws: `OidcError('invalid_options')`, its message naming the option. */
const invalidOption = (message: RegExp): unknown =>
  expect.objectContaining({ name: 'OidcError', code: 'invalid_options', message: expect.stringMatching(message) })

describe('options', () => {
  it('wants exactly one of url and client', () => {
    expect(() => new RedisStore({})).toThrow(
      invalidOption(/exactly one of `url`.*`sentinels` \(with `name`\), `cluster` or `client`/),
    )
    const client = new Redis(redis.url, { lazyConnect: true })
    expect(() => new RedisStore({ url: redis.url, client })).toThrow(OidcError)
    expect(() => new RedisStore({ url: redis.url, client })).toThrow(invalidOption(/, not url and client$/))
    client.disconnect()
  })

  it.each([
    [{ url: '' }, /`url` must be/],
    [{ url: 'redis://127.0.0.1:1', cluster: [{ host: '127.0.0.1', port: 1 }] }, /not url and cluster/],
    [{ sentinels: [{ host: '127.0.0.1', port: 1 }] }, /`sentinels` needs `name`/],
    [
      { sentinels: [{ host: '127.0.0.1', port: 0 }], name: 'm' },
      /`sentinels` must be a non-empty array of \{ host, port \}/,
    ],
    [{ cluster: [] }, /`cluster` must be a non-empty array/],
    [
      { cluster: [{ host: '127.0.0.1', port: 1 }], confirmWrites: true },
      /`confirmWrites` is not available with `cluster`/,
    ],
    [{ url: 'redis://127.0.0.1:1', lockLease: 0 }, /`lockLease` must be a number of seconds above 0/],
    [{ url: 'redis://127.0.0.1:1', lockLease: Number.NaN }, /`lockLease`/],
    [{ url: 'redis://127.0.0.1:1', lockWait: -1 }, /`lockWait` must be a number of seconds of 0 or more/],
  ])('refuses bad options at construction, naming them: %j', (options, message) => {
    expect(() => new RedisStore(options)).toThrow(invalidOption(message))
  })

  it('refuses a missing options object, a prefix that is not a string, and bad host:port lists', () => {
    // @ts-expect-error: what a JavaScript caller can pass
    expect(() => new RedisStore()).toThrow(invalidOption(/RedisStore takes an options object/))
    // @ts-expect-error: what a JavaScript caller can pass
    expect(() => new RedisStore({ url: 'redis://127.0.0.1:1', prefix: 1 })).toThrow(invalidOption(/`prefix` must be/))
    expect(() => parseAddresses('10.0.0.1', 'REDIS_SENTINELS')).toThrow(
      invalidOption(/REDIS_SENTINELS must be host:port\[,host:port\.\.\.\].*\(not "10\.0\.0\.1"\)/),
    )
  })

  it('uses a client it is given, and leaves it open on close()', async () => {
    const client = new Redis(redis.url)
    try {
      const given = new RedisStore({ client, prefix })
      await given.set('s1', session(), 60)
      await given.close()
      expect(await client.exists(`${prefix}s:s1`)).toBe(1)
      expect(client.status).toBe('ready')
    } finally {
      client.disconnect()
    }
  })
})

describe('sessions', () => {
  it('sets, gets and destroys a session, under its prefix', async () => {
    const s = store()
    const data = session()
    expect(await s.get('s1')).toBeUndefined()
    await s.set('s1', data, 60)
    expect(await s.get('s1')).toEqual(data)
    expect(await store({ prefix: 'other:' }).get('s1')).toBeUndefined()
    await s.destroy('s1')
    expect(await s.get('s1')).toBeUndefined()
  })

  it('replaces a session as a whole on set', async () => {
    const s = store()
    await s.set('s1', session({ scope: 'openid profile' }), 60)
    const next = session({ accessToken: 'access-2' })
    await s.set('s1', next, 60)
    expect(await s.get('s1')).toEqual(next)
  })

  it('lets Redis forget a session after its TTL', async () => {
    const s = store()
    await s.set('s1', session(), 0.4)
    const ttl = await s.client.pttl(`${prefix}s:s1`)
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(400)
    await sleep(600)
    expect(await s.get('s1')).toBeUndefined()
    expect(await s.client.exists(`${prefix}s:s1`)).toBe(0)
  })

  it('touch records the last use and extends the TTL, without rewriting the rest', async () => {
    const s = store()
    const data = session()
    await s.set('s1', data, 1)
    await s.touch('s1', data.touchedAt + 100, 60)
    expect(await s.get('s1')).toEqual({ ...data, touchedAt: data.touchedAt + 100 })
    expect(await s.client.pttl(`${prefix}s:s1`)).toBeGreaterThan(1000)
  })

  it('touch does not bring back a session that is gone', async () => {
    const s = store()
    await s.touch('gone', 123, 60)
    expect(await s.get('gone')).toBeUndefined()
    expect(await s.client.exists(`${prefix}s:gone`)).toBe(0)
  })

  it('touch by a process that read the session before another one refreshed it keeps the refreshed tokens', async () => {
    const a = store()
    const b = store()
    const before = session()
    await a.set('s1', before, 60)
    const readByA = await a.get('s1')
    const refreshed = session({ accessToken: 'access-2', refreshToken: 'refresh-2', tokensAt: before.tokensAt + 1 })
    await b.set('s1', refreshed, 60)
    await a.touch('s1', readByA!.touchedAt + 30, 60)
    expect(await b.get('s1')).toEqual({ ...refreshed, touchedAt: readByA!.touchedAt + 30 })
  })
})

describe('replace (the write of renewed tokens)', () => {
  it('writes only a session that still exists, and answers whether it did', async () => {
    const s = store()
    const renewed = session({ accessToken: 'access-2', refreshToken: 'refresh-2' })
    expect(await s.replace('s1', renewed, 60)).toBe(false)
    expect(await s.client.exists(`${prefix}s:s1`)).toBe(0)
    await s.set('s1', session(), 60)
    expect(await s.replace('s1', renewed, 60)).toBe(true)
    expect(await s.get('s1', { fresh: true })).toEqual(renewed)
  })

  it('does not bring back a session that a logout in another process destroyed', async () => {
    const refresher = store()
    const logout = store()
    await refresher.set('s1', session(), 60)
    await logout.destroy('s1')
    expect(await refresher.replace('s1', session({ refreshToken: 'refresh-2' }), 60)).toBe(false)
    expect(await refresher.get('s1', { fresh: true })).toBeUndefined()
    expect(await refresher.findBySub('alice')).toEqual([])
    expect(await refresher.client.exists(`${prefix}sub:alice`, `${prefix}sid:provider-session-1`)).toBe(0)
  })

  it('is atomic against concurrent destroys: a session is either renewed or gone, never brought back', async () => {
    const a = store()
    const b = store()
    for (let i = 0; i < 50; i += 1) await a.set(`r${i}`, session(), 60)
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const [replaced] = await Promise.all([
          a.replace(`r${i}`, session({ refreshToken: `refresh-${i}` }), 60),
          b.destroy(`r${i}`),
        ])
        return { replaced, exists: await a.client.exists(`${prefix}s:r${i}`) }
      }),
    )
    for (const { exists } of outcomes) expect(exists).toBe(0)
  })
})

describe('the per-process cache of session reads', () => {
  /** Resolves once `check` holds, or fails after a second (invalidations travel by pub/sub). */
  async function eventually(check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 1000
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('not within a second')
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
  /** Once the store's subscription is up and its first heartbeat is back (the cache is on only then). */
  const subscribed = async (s: RedisStore) => {
    await eventually(async () => ((await s.client.pubsub('NUMSUB', `${prefix}invalidate`)) as [string, number])[1] >= 1)
    await sleep(400)
  }

  it("serves a repeated read without Redis, but a fresh read and other processes' writes see the truth", async () => {
    const reader = store()
    const writer = store()
    await subscribed(reader)
    await writer.set('s1', session({ sub: 'alice' }), 60)
    expect((await reader.get('s1'))?.sub).toBe('alice')

    // A write behind every store's back (no invalidation): the cached copy is served...
    const raw = new Redis(redis.url)
    await raw.hset(`${prefix}s:s1`, 'd', JSON.stringify(session({ sub: 'changed-directly' })))
    await raw.quit()
    expect((await reader.get('s1'))?.sub).toBe('alice')
    // ...except to a fresh read (what refresh uses).
    expect((await reader.get('s1', { fresh: true }))?.sub).toBe('changed-directly')

    // A write through any store reaches every cache.
    await writer.set('s1', session({ sub: 'bob' }), 60)
    await eventually(async () => (await reader.get('s1'))?.sub === 'bob')
  })

  it('forgets a session destroyed by another process at once', async () => {
    const reader = store()
    const writer = store()
    await subscribed(reader)
    await writer.set('s2', session(), 60)
    expect(await reader.get('s2')).toBeDefined()
    await writer.destroy('s2')
    await eventually(async () => (await reader.get('s2')) === undefined)
  })

  it('can be turned off', async () => {
    const reader = store({ cache: 0 })
    const writer = store({ cache: 0 })
    await writer.set('s3', session(), 60)
    expect(await reader.get('s3')).toBeDefined()
    const raw = new Redis(redis.url)
    await raw.del(`${prefix}s:s3`)
    await raw.quit()
    expect(await reader.get('s3')).toBeUndefined()
  })
})

describe('consumeOnce', () => {
  it('answers true once per key, across clients, until the key expires', async () => {
    const a = store()
    const b = store()
    expect(await a.consumeOnce('tx:state-1', 0.4)).toBe(true)
    expect(await a.consumeOnce('tx:state-1', 0.4)).toBe(false)
    expect(await b.consumeOnce('tx:state-1', 0.4)).toBe(false)
    expect(await b.consumeOnce('tx:state-2', 0.4)).toBe(true)
    await sleep(600)
    expect(await b.consumeOnce('tx:state-1', 0.4)).toBe(true)
  })

  it('lets exactly one of many concurrent callers through', async () => {
    const clients = [store(), store(), store()]
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => clients[i % 3].consumeOnce('jti-1', 60)))
    expect(answers.filter(Boolean)).toHaveLength(1)
  })
})

describe('finding sessions by sid and sub (back-channel logout)', () => {
  it('finds the live sessions of a provider session and of a subject', async () => {
    const s = store()
    await s.set('a1', session({ sid: 'sid-1' }), 60)
    await s.set('a2', session({ sid: 'sid-2' }), 60)
    await s.set('b1', session({ sub: 'bob', sid: 'sid-3', claims: { sub: 'bob' } }), 60)
    await s.set('a3', session({ sid: undefined }), 60)
    expect((await s.findBySub('alice')).sort()).toEqual(['a1', 'a2', 'a3'])
    expect(await s.findBySub('bob')).toEqual(['b1'])
    expect(await s.findBySid('sid-1')).toEqual(['a1'])
    expect(await s.findBySid('sid-2')).toEqual(['a2'])
    expect(await s.findBySid('nobody')).toEqual([])
    expect(await s.findBySub('nobody')).toEqual([])
  })

  it('drops destroyed and expired sessions from the indexes', async () => {
    const s = store()
    await s.set('a1', session({ sid: 'sid-1' }), 60)
    await s.set('a2', session({ sid: 'sid-1' }), 0.3)
    await s.set('a3', session({ sid: 'sid-1' }), 60)
    await s.destroy('a1')
    await sleep(500)
    expect(await s.findBySid('sid-1')).toEqual(['a3'])
    expect(await s.findBySub('alice')).toEqual(['a3'])
    expect(await s.client.smembers(`${prefix}sid:sid-1`)).toEqual(['a3'])
    expect(await s.client.smembers(`${prefix}sub:alice`)).toEqual(['a3'])
  })

  it('keeps each index as long as its longest session, no longer', async () => {
    const s = store()
    await s.set('a1', session(), 60)
    await s.set('a2', session(), 20)
    for (const index of [`${prefix}sub:alice`, `${prefix}sid:provider-session-1`]) {
      expect(await s.client.pttl(index)).toBeGreaterThan(59_000)
      expect(await s.client.pttl(index)).toBeLessThanOrEqual(60_000)
    }
    // Rolling expiry extends the session, and its indexes with it.
    await s.touch('a2', session().touchedAt + 1, 120)
    expect(await s.client.pttl(`${prefix}sub:alice`)).toBeGreaterThan(119_000)
    expect(await s.client.pttl(`${prefix}sid:provider-session-1`)).toBeGreaterThan(119_000)
  })

  it('takes a destroyed session out of its indexes, and leaves no index when it was the last', async () => {
    const s = store()
    await s.set('a1', session(), 60)
    await s.set('a2', session({ sid: 'sid-2' }), 60)
    await s.destroy('a1')
    expect(await s.client.smembers(`${prefix}sub:alice`)).toEqual(['a2'])
    expect(await s.client.exists(`${prefix}sid:provider-session-1`)).toBe(0)
    await s.destroy('a2')
    expect(await s.client.keys(`${prefix}*`)).toEqual([])
  })

  it('takes a session written by an earlier version (no sub in the hash) out of its indexes', async () => {
    const s = store()
    await s.client.hset(`${prefix}s:old`, 'd', JSON.stringify(session()), 't', '1')
    await s.client.sadd(`${prefix}sub:alice`, 'old')
    await s.client.sadd(`${prefix}sid:provider-session-1`, 'old')
    await s.destroy('old')
    expect(await s.client.keys(`${prefix}*`)).toEqual([])
  })
})

describe('the refresh lock', () => {
  it('is exclusive across two stores (two clients): the second waits until the first releases', async () => {
    const a = store()
    const b = store()
    const events: string[] = []
    const lockA = await a.lock('s1')
    events.push('a locked')
    const lockingB = b.lock('s1').then((lock) => {
      events.push('b locked')
      return lock
    })
    expect(await within(lockingB, 300)).toBe('pending')
    events.push('a releasing')
    await lockA.release()
    const lockB = await lockingB
    expect(events).toEqual(['a locked', 'a releasing', 'b locked'])
    await lockB.release()
    expect(await a.client.exists(`${prefix}lock:s1`)).toBe(0)
  })

  it('never lets two holders overlap, however many compete (a read-modify-write counter loses nothing)', async () => {
    const competitors = [store({ lockLease: 2 }), store({ lockLease: 2 }), store({ lockLease: 2 })]
    const key = `${prefix}counter`
    let inside = 0
    let most = 0
    await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const s = competitors[i % 3]
        const lock = await s.lock('s1')
        inside += 1
        most = Math.max(most, inside)
        const value = Number((await s.client.get(key)) ?? 0)
        await sleep(2)
        await s.client.set(key, String(value + 1))
        inside -= 1
        await lock.release()
      }),
    )
    expect(most).toBe(1)
    expect(await competitors[0].client.get(key)).toBe('24')
  })

  it('locks sessions independently', async () => {
    const a = store()
    const b = store()
    const lock1 = await a.lock('s1')
    const lock2 = await b.lock('s2')
    await Promise.all([lock1.release(), lock2.release()])
  })

  it('gives up waiting after lockWait with an error (the request gets 503), while the holder lives', async () => {
    const a = store()
    const b = store({ lockWait: 0.3 })
    const lockA = await a.lock('s1')
    await expect(b.lock('s1')).rejects.toMatchObject({
      name: 'OidcError',
      code: 'session_busy',
      status: 503,
      message: expect.stringMatching(/did not finish within 0\.3s/),
    })
    await lockA.release()
  })

  it('frees the lock of a holder process that was killed, once its lease has run out', async () => {
    const waiter = store({ lockLease: 0.5, lockWait: 10 })
    // A real holder: another Node process that takes the lock with a 0.5 s lease and is killed.
    const script = `
      import { RedisStore } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)}
      const store = new RedisStore({ url: process.env.REDIS_URL, prefix: process.env.PREFIX, lockLease: 0.5 })
      await store.lock('s1')
      console.log('locked')
      setInterval(() => {}, 1000)
    `
    const holder = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, REDIS_URL: redis.url, PREFIX: prefix },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve())
        holder.once('exit', (code) => reject(new Error(`the holder exited (${code}) before it locked`)))
      })
      // Alive, it renews its lease: nobody else gets the lock for longer than a lease.
      expect(await within(store({ lockWait: 1.2 }).lock('s1'), 3000)).toMatchObject({
        error: expect.objectContaining({ code: 'session_busy' }),
      })
    } finally {
      holder.kill('SIGKILL')
    }
    await new Promise((resolve) => holder.once('exit', resolve))
    expect(await waiter.client.pttl(`${prefix}lock:s1`)).toBeLessThanOrEqual(500)
    const lock = await waiter.lock('s1')
    await lock.release()
  })

  it('renews its lease while held, so a long refresh keeps the lock', async () => {
    const a = store({ lockLease: 0.3 })
    const lockA = await a.lock('s1')
    await sleep(1000) // more than three leases
    expect(await a.client.pttl(`${prefix}lock:s1`)).toBeGreaterThan(0)
    await expect(store({ lockWait: 0.2 }).lock('s1')).rejects.toMatchObject({ code: 'session_busy' })
    await lockA.release()
    expect(await a.client.exists(`${prefix}lock:s1`)).toBe(0)
  })

  it('never releases a lock that has passed to another holder', async () => {
    const a = store({ lockLease: 5 })
    const b = store({ lockLease: 5 })
    const lockA = await a.lock('s1')
    await a.client.del(`${prefix}lock:s1`) // as if A's lease had run out
    const lockB = await b.lock('s1')
    await lockA.release()
    expect(await b.client.exists(`${prefix}lock:s1`)).toBe(1)
    await expect(store({ lockWait: 0.2 }).lock('s1')).rejects.toMatchObject({ code: 'session_busy' })
    await lockB.release()
  })
})

describe('while Redis is down, and after it is back', () => {
  it('rejects at once instead of hanging, logs one line, and works again with its data after a restart', async () => {
    const log: Log = { warn: [], error: [] }
    const s = store({}, log)
    const kept = session({ accessToken: 'written-before-the-outage' })
    await s.set('s1', kept, 600)
    await s.set('s2', session(), 600)
    expect(log.error).toEqual([])

    await redis.stop('SIGKILL') // a crash: only the fsynced append-only file survives
    try {
      const operations: (() => Promise<unknown>)[] = [
        () => s.get('s1'),
        () => s.set('s3', session(), 60),
        () => s.touch('s1', 1, 60),
        () => s.consumeOnce('k', 60),
        () => s.findBySub('alice'),
        () => s.lock('s1'),
      ]
      for (const operation of operations) {
        // Generous bound: a request must get its 503, not wait for the outage to end.
        const outcome = await within(operation(), 5000)
        expect(outcome).toMatchObject({ error: expect.any(Error) })
      }
      expect(log.error).toHaveLength(1)
      expect(log.error[0]).toMatch(
        /^Redis unavailable \(.*ECONNREFUSED.*\); requests that need sessions get 503 until it is back$/,
      )
    } finally {
      await redis.restart()
    }

    // The client reconnects by itself: no new store, no restart of the app.
    let back: SessionData | undefined
    for (const deadline = Date.now() + 10_000; back === undefined && Date.now() < deadline;) {
      back = await s.get('s1').catch(() => undefined)
      if (back === undefined) await sleep(100)
    }
    expect(back).toEqual(kept)
    expect(await s.get('s2')).toBeDefined()
    expect(log.warn).toContain('Redis is back')
    expect(log.error).toHaveLength(1)
    const lock: SessionLock = await s.lock('s1')
    await lock.release()
  })

  it('starts while Redis is down and serves once it is up, without a restart of the app', async () => {
    await redis.stop()
    const log: Log = { warn: [], error: [] }
    let s: RedisStore
    try {
      s = store({}, log)
      expect(await within(s.get('s1'), 5000)).toMatchObject({ error: expect.any(Error) })
      expect(log.error).toHaveLength(1)
    } finally {
      await redis.restart()
    }
    let answered = false
    for (const deadline = Date.now() + 10_000; !answered && Date.now() < deadline;) {
      answered = await s.get('s1').then(
        () => true,
        () => false,
      )
      if (!answered) await sleep(100)
    }
    expect(answered).toBe(true)
  })
})
