import { randomBytes } from 'node:crypto'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { MemoryStore, type SessionData } from '../src/index.js'
import { CookieSigner, readCookies } from '../src/http/cookies.js'

// What a cache or a store keeps alive is measured on the heap, after full collections. The
// tests run in this order so that none measures while garbage of an earlier one is freed:
// the sweep (which leaves nearly nothing), the cache, then the control that keeps headers.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const heapUsed = () => {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('MemoryStore sweep', () => {
  const session = (i: number): SessionData => {
    const sub = `user-${i}-${randomBytes(16).toString('base64url')}`
    return {
      sub,
      sid: randomBytes(32).toString('base64url'),
      claims: { sub },
      idToken: randomBytes(600).toString('base64url'),
      idTokenExpiresAt: 0,
      tokensAt: 0,
      createdAt: 0,
      touchedAt: 0,
    }
  }

  it('forgets expired sessions, their indexes, one-time keys and revocations without reads', async () => {
    const store = new MemoryStore()
    const before = heapUsed()
    for (let i = 0; i < 20_000; i++) {
      await store.set(randomBytes(32).toString('base64url'), session(i), 1)
      await store.consumeOnce(`state:${randomBytes(64).toString('base64url')}`, 1)
      await store.revoke(`sid:${randomBytes(64).toString('base64url')}`, 0, 1)
    }
    const grown = heapUsed() - before
    expect(store.size).toBe(20_000)
    expect(grown).toBeGreaterThan(20_000 * 1000)

    const deadline = Date.now() + 10_000
    while (store.size > 0 && Date.now() < deadline) await sleep(250)
    expect(store.size).toBe(0)
    // The other maps are swept in the same passes; the sid and sub indexes with the sessions.
    await sleep(1500)
    expect(heapUsed() - before).toBeLessThan(grown * 0.05)
  })

  it('keeps what has not expired', async () => {
    const store = new MemoryStore()
    await store.set('short', session(1), 1)
    await store.set('long', session(2), 60)
    expect(await store.consumeOnce('tx:long', 60)).toBe(true)
    await sleep(2500)
    expect(store.size).toBe(1)
    expect(await store.get('long')).toBeDefined()
    expect(await store.consumeOnce('tx:long', 60)).toBe(false)
  })
})

describe('verified-cookie cache', () => {
  const N = 10_000
  const others = `theme=${'x'.repeat(4000)}`
  /** The session cookie's value as the core reads it: out of a 4 KB Cookie header. */
  const presented = (signer: CookieSigner, i: number) =>
    readCookies({
      method: 'GET',
      url: '/',
      headers: { cookie: `${others}${i}; sid=${signer.sign(randomBytes(32).toString('base64url'))}` },
    })['sid']!

  /** Heap per entry of `keep` after N values, each cut out of its own 4 KB header. */
  const perEntry = (keep: (signer: CookieSigner, value: string) => void) => {
    const signer = new CookieSigner(['retention-test-secret-0123456789abcdef'])
    const before = heapUsed()
    for (let i = 0; i < N; i++) keep(signer, presented(signer, i))
    const bytes = (heapUsed() - before) / N
    expect(signer.unsign(signer.sign('alive'))).toBe('alive') // the signer and its cache live until measured
    return bytes
  }

  it('keeps a few hundred bytes per entry, not the header', () => {
    const bytes = perEntry((signer, value) => void expect(signer.unsignCached(value)).toBeDefined())
    // Measured about 230 bytes (an 87-character signed value, its 43-character id, the Map entry).
    expect(bytes).toBeLessThan(600)
  })

  it('sees a header kept alive by the values read out of it (the measurement can fail)', () => {
    const kept: string[] = []
    expect(perEntry((_signer, value) => void kept.push(value))).toBeGreaterThan(4000)
    expect(kept.length).toBe(N) // (a number: expect() would keep the array alive past this test)
  })
})
