import { randomBytes } from 'node:crypto'
import { Redis, type ChainableCommander, type Cluster, type RedisOptions } from 'ioredis'
import type { Logger, SessionData, SessionLock, SessionStore } from '@oidc-rp/core'
import { SessionCache } from './session-cache.js'

export interface RedisStoreOptions {
  /**
   * A `redis://` or `rediss://` URL: the store makes its own client, set up so that an
   * outage fails requests quickly (503) instead of queueing them, and reconnects by itself.
   */
  url?: string
  /** Or your own ioredis client: `new Redis(...)` (one node or Sentinel) or `new Cluster(...)`. */
  client?: Redis | Cluster
  /** Prefix of every key. Default `oidc-rp:`. */
  prefix?: string
  /** Seconds a refresh lock is held without renewal; it is renewed while held. Default 10. */
  lockLease?: number
  /** Seconds to wait for another process's refresh before giving up (503). Default 30. */
  lockWait?: number
  /**
   * Seconds a session read is reused by this process (0: never). Every write, touch and
   * destroy, by any process, drops it everywhere at once (Redis pub/sub); refreshes always
   * read Redis. Default 5.
   */
  cache?: number
  logger?: Logger
}

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`
const TOUCH = `if redis.call('exists', KEYS[1]) == 1 then redis.call('hset', KEYS[1], 't', ARGV[1]); return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`

/** The longest an index of sessions (by `sub` or `sid`) is kept after its last write: 400 days. */
const INDEX_TTL_MS = 400 * 24 * 3600 * 1000

/**
 * Sessions in Redis: one hash per session with a TTL, indexes by `sub` and `sid` for
 * back-channel logout, one-time keys for login states, and the lock that lets one process
 * refresh a session's tokens while the others wait. Works with one node, Sentinel and
 * Cluster (every script touches one key).
 */
export class RedisStore implements SessionStore {
  readonly client: Redis | Cluster
  readonly #prefix: string
  readonly #lease: number
  readonly #wait: number
  readonly #owned: boolean
  readonly #logger: Logger
  readonly #cache: SessionCache | undefined
  /** Why Redis is unreachable, from its client's first error until it is ready again. */
  #outage: string | undefined

  constructor(options: RedisStoreOptions) {
    if ((options.url === undefined) === (options.client === undefined)) {
      throw new TypeError('@oidc-rp/redis: give RedisStore either `url` (e.g. process.env.REDIS_URL) or `client` (an ioredis client)')
    }
    if (options.url !== undefined && (typeof options.url !== 'string' || options.url === '')) {
      throw new TypeError('@oidc-rp/redis: `url` must be a redis:// or rediss:// URL, e.g. process.env.REDIS_URL (is REDIS_URL set?)')
    }
    this.#prefix = options.prefix ?? 'oidc-rp:'
    if (typeof this.#prefix !== 'string') throw new TypeError('@oidc-rp/redis: `prefix` must be a string')
    this.#lease = ms(seconds('lockLease', options.lockLease, 10, false))
    this.#wait = ms(seconds('lockWait', options.lockWait, 30, true))
    this.#logger = options.logger ?? { warn: (m) => console.warn(`[oidc-rp] ${m}`), error: (m) => console.error(`[oidc-rp] ${m}`) }
    this.#owned = options.client === undefined
    this.client = options.client ?? new Redis(options.url!, outageFriendly)
    this.client.on('error', (err: Error) => {
      if (this.#outage !== undefined) return
      this.#outage = err.message
      this.#logger.error(`Redis unavailable (${err.message}); requests that need sessions get 503 until it is back`)
    })
    const cache = seconds('cache', options.cache, 5, true)
    this.#cache = cache > 0 ? new SessionCache(this.client, `${this.#prefix}invalidate`, cache) : undefined
    this.client.on('ready', () => {
      if (this.#outage === undefined) return
      this.#outage = undefined
      this.#logger.warn('Redis is back')
    })
  }

  async get(id: string, options: { fresh?: boolean } = {}): Promise<SessionData | undefined> {
    this.#available()
    if (!this.#cache || options.fresh) return this.#read(id)
    return this.#cache.read(id, () => this.#read(id))
  }

  /** From this process's read cache only; undefined during an outage (then `get` answers it). */
  peek(id: string): SessionData | undefined {
    return this.#outage === undefined ? this.#cache?.peek(id) : undefined
  }

  async #read(id: string): Promise<SessionData | undefined> {
    const hash = await this.client.hgetall(this.#key('s', id))
    if (hash.d === undefined) return undefined
    const session = JSON.parse(hash.d) as SessionData
    if (hash.t !== undefined) session.touchedAt = Number(hash.t)
    return session
  }

  async set(id: string, session: SessionData, ttl: number): Promise<void> {
    this.#available()
    const key = this.#key('s', id)
    await exec(this.client.multi().del(key).hset(key, 'd', JSON.stringify(session), 't', String(session.touchedAt)).pexpire(key, ms(ttl)))
    await this.#cache?.invalidate(this.client, id)
    await this.#index('sub', session.sub, id)
    if (session.sid !== undefined) await this.#index('sid', session.sid, id)
  }

  async touch(id: string, touchedAt: number, ttl: number): Promise<void> {
    this.#available()
    await this.client.eval(TOUCH, 1, this.#key('s', id), String(touchedAt), String(ms(ttl)))
    await this.#cache?.invalidate(this.client, id)
  }

  async destroy(id: string): Promise<void> {
    this.#available()
    await this.client.del(this.#key('s', id))
    await this.#cache?.invalidate(this.client, id)
  }

  async consumeOnce(key: string, ttl: number): Promise<boolean> {
    this.#available()
    return (await this.client.set(this.#key('once', key), '1', 'PX', ms(ttl), 'NX')) === 'OK'
  }

  /** Bearer tokens of a logged-out session, refused by every process: one key per revocation, read on each bearer request. */
  async revoke(key: string, at: number, ttl: number): Promise<void> {
    this.#available()
    await this.client.set(this.#key('revoked', key), String(at), 'PX', ms(ttl))
  }

  async revokedAt(key: string): Promise<number | undefined> {
    this.#available()
    const at = await this.client.get(this.#key('revoked', key))
    return at === null ? undefined : Number(at)
  }

  async findBySid(sid: string): Promise<string[]> {
    this.#available()
    return this.#live('sid', sid)
  }

  async findBySub(sub: string): Promise<string[]> {
    this.#available()
    return this.#live('sub', sub)
  }

  /**
   * Waits for the session's lock (polling, a little jittered), then renews its lease every
   * third of it until released. A holder that dies stops renewing: the lock is free again
   * after at most one lease.
   */
  async lock(id: string): Promise<SessionLock> {
    const key = this.#key('lock', id)
    const token = randomBytes(16).toString('base64url')
    const deadline = Date.now() + this.#wait
    for (;;) {
      this.#available()
      if ((await this.client.set(key, token, 'PX', this.#lease, 'NX')) === 'OK') break
      if (Date.now() > deadline) throw new Error(`timed out after ${this.#wait / 1000}s waiting for the refresh lock of a session`)
      await new Promise((resolve) => setTimeout(resolve, 15 + Math.random() * 20))
    }
    const renewal = setInterval(() => {
      this.client.eval(RENEW, 1, key, token, String(this.#lease)).catch(() => { /* the lease runs out; another process may take over */ })
    }, this.#lease / 3)
    renewal.unref()
    return {
      release: async () => {
        clearInterval(renewal)
        this.#available()
        await this.client.eval(RELEASE, 1, key, token)
      },
    }
  }

  /** Closes the store's connections (the client only if the store made it). */
  async close(): Promise<void> {
    await this.#cache?.close()
    if (this.#owned) await this.client.quit().catch(() => this.client.disconnect())
  }

  /**
   * While Redis is known to be down, fail at once: the request gets its 503 now rather than
   * after the client's retry and timeout (up to 2 s each). The client keeps reconnecting.
   */
  #available(): void {
    if (this.#outage !== undefined) throw new Error(`Redis is unavailable (${this.#outage})`)
  }

  #key(kind: string, id: string): string {
    return `${this.#prefix}${kind}:${id}`
  }

  /** Adds a session to an index and drops the index's members whose sessions are gone. */
  async #index(kind: 'sub' | 'sid', value: string, id: string): Promise<void> {
    const key = this.#key(kind, value)
    await exec(this.client.multi().sadd(key, id).pexpire(key, INDEX_TTL_MS))
    await this.#live(kind, value)
  }

  async #live(kind: 'sub' | 'sid', value: string): Promise<string[]> {
    const key = this.#key(kind, value)
    const ids = await this.client.smembers(key)
    // One command per member (not a pipeline): in a Cluster the sessions live in other slots.
    const exists = await Promise.all(ids.map((id) => this.client.exists(this.#key('s', id))))
    const live = ids.filter((_, i) => exists[i] === 1)
    const dead = ids.filter((_, i) => exists[i] !== 1)
    if (dead.length > 0) await this.client.srem(key, ...dead)
    return live
  }
}

/**
 * Runs a MULTI. ioredis resolves `exec()` with one `[error, result]` pair per command (and
 * null when the transaction was aborted) instead of rejecting: turn those into a rejection.
 */
async function exec(multi: ChainableCommander): Promise<void> {
  const results = await multi.exec()
  if (results === null) throw new Error('Redis aborted the transaction')
  const failed = results.find(([error]) => error !== null)
  if (failed) throw failed[0]
}

function seconds(name: string, value: number | undefined, fallback: number, zeroAllowed: boolean): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (value === 0 && !zeroAllowed)) {
    throw new TypeError(`@oidc-rp/redis: \`${name}\` must be a number of seconds ${zeroAllowed ? 'of 0 or more' : 'above 0'}`)
  }
  return value
}

function ms(seconds: number): number {
  return Math.max(1, Math.ceil(seconds * 1000))
}

/** Fail fast while Redis is down (the request gets 503), reconnect forever with backoff. */
const outageFriendly: RedisOptions = {
  maxRetriesPerRequest: 1,
  commandTimeout: 2000,
  connectTimeout: 2000,
  retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
}
