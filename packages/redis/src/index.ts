import { Cluster, type ChainableCommander, type Redis } from 'ioredis'
import { OidcError, type Logger, type SessionData, type SessionLock, type SessionStore } from '@oidc-rp/core'
import { Journal } from './journal.js'
import { takeLock } from './lock.js'
import { connect, seconds, type RedisStoreOptions } from './options.js'
import { DESTROY, TOUCH, WRITE } from './scripts.js'
import { SessionCache } from './session-cache.js'
import { addToIndex, liveMembers } from './indexes.js'
import { ms, write } from './writes.js'

export {
  parseAddresses,
  recommendedClusterOptions,
  recommendedOptions,
  recommendedSentinelOptions,
  type RedisAddress,
  type RedisStoreOptions,
} from './options.js'

/** After a reconnection or a master change, refresh locks wait this long (see `lock`). */
const SETTLE_MS = 2000

/** After its client gave up for good, the store starts it again after this long. */
const RESTART_MS = 1000

/**
 * Sessions in Redis: one hash per session with a TTL, indexes by `sub` and `sid` for
 * back-channel logout that live no longer than their sessions, one-time keys for login
 * states, and the lock that lets one process refresh a session's tokens while the others
 * wait. Works with one node, Sentinel and Cluster (every script touches one key).
 */
export class RedisStore implements SessionStore {
  readonly client: Redis | Cluster
  readonly #prefix: string
  readonly #lease: number
  readonly #wait: number
  readonly #owned: boolean
  readonly #confirmWrites: boolean
  readonly #logger: Logger
  readonly #cache: SessionCache | undefined
  /** With `confirmWrites` or a Cluster: recent writes, re-applied on a new master (journal.ts). */
  readonly #journal: Journal | undefined
  /** Until when (epoch ms) refresh locks wait after a master change: the other processes write their recent changes again first. */
  #settling = 0
  /** A Cluster's masters' addresses, when its client last refreshed the slots. */
  #master: string | undefined
  /** Set by `close()`: the client's end is then wanted. */
  #closing = false
  /** Why Redis is unreachable, from its client's first error until it is ready again. */
  #outage: string | undefined

  constructor(options: RedisStoreOptions) {
    if (typeof options !== 'object' || options === null)
      throw new OidcError(
        'invalid_options',
        '@oidc-rp/redis: RedisStore takes an options object, e.g. { url: process.env.REDIS_URL }',
      )
    this.#prefix = options.prefix ?? 'oidc-rp:'
    if (typeof this.#prefix !== 'string')
      throw new OidcError('invalid_options', '@oidc-rp/redis: `prefix` must be a string')
    this.#lease = ms(seconds('lockLease', options.lockLease, 10, false))
    this.#wait = ms(seconds('lockWait', options.lockWait, 30, true))
    const cache = seconds('cache', options.cache, 5, true)
    this.#logger = options.logger ?? {
      warn: (m) => console.warn(`[oidc-rp] ${m}`),
      error: (m) => console.error(`[oidc-rp] ${m}`),
    }
    const connection = connect(options)
    this.client = connection.client
    this.#owned = connection.owned
    this.#confirmWrites = connection.confirmWrites
    this.client.on('error', (err: Error) => {
      if (this.#outage !== undefined) return
      this.#outage = err.message
      this.#logger.error(`Redis unavailable (${err.message}); requests that need sessions get 503 until it is back`)
    })
    const client = this.client
    if (this.#owned && !(client instanceof Cluster)) {
      // ioredis gives up for good ('end') when a Sentinel's +switch-master comes in while it
      // is still asking the sentinels where the master is (a killed master, then the
      // switch): every request would get 503 until the app restarts. Start it again.
      const restart = () => {
        if (client.status === 'end' && !this.#closing) client.connect().catch(() => undefined) // fails: 'end' again
      }
      client.on('end', () => setTimeout(restart, RESTART_MS).unref())
    }
    let connected = false
    this.client.on('ready', () => {
      // A reconnection may be to another master (Sentinel), where the other processes
      // write their recent changes again: refreshes wait for them (see `lock`), and this
      // process writes its own. Set at once: commands queued meanwhile already run there.
      if (connected && this.#journal && !(this.client instanceof Cluster)) {
        this.#settling = Date.now() + SETTLE_MS
        void this.#replay()
      }
      connected = true
      this.#back()
    })
    this.#journal = this.#confirmWrites || this.client instanceof Cluster ? new Journal() : undefined
    if (this.client instanceof Cluster) {
      const cluster = this.client
      cluster.on('refresh', () => {
        const masters = cluster
          .nodes('master')
          .map((node) => `${node.options.host}:${node.options.port}`)
          .sort()
          .join(',')
        const previous = this.#master
        this.#master = masters
        if (previous !== undefined && masters !== previous) void this.#replay()
      })
    }
    this.#cache =
      cache > 0
        ? new SessionCache({
            client: this.client,
            channel: `${this.#prefix}invalidate`,
            ttlSeconds: cache,
            logger: this.#logger,
          })
        : undefined
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
    await this.#save(id, session, ttl, false)
  }

  /** Writes the session only if it still exists (one script: atomic), and answers whether it did. */
  replace(id: string, session: SessionData, ttl: number): Promise<boolean> {
    return this.#save(id, session, ttl, true)
  }

  async #save(id: string, session: SessionData, ttl: number, onlyIfExists: boolean): Promise<boolean> {
    const at = Date.now()
    const fields = [JSON.stringify(session), String(session.touchedAt), session.sub, session.sid ?? '', String(ms(ttl))]
    const wrote =
      (await this.#write((p) =>
        p.eval(WRITE, 1, this.#key('s', id), ...fields, onlyIfExists ? '1' : '0', String(at)),
      )) === 1
    if (wrote) this.#journal?.record(id, { kind: 'write', session: fields, expiresAt: at + ms(ttl), at })
    await this.#cache?.invalidate(id)
    if (wrote) await this.#indexAll(id, session.sub, session.sid, ttl)
    return wrote
  }

  async touch(id: string, touchedAt: number, ttl: number): Promise<void> {
    this.#available()
    const found = (await this.client.eval(TOUCH, 1, this.#key('s', id), String(touchedAt), String(ms(ttl)))) as
      [string | null, string | null] | null
    await this.#cache?.invalidate(id)
    // Sessions written before the hash had `u` have indexes that outlive them anyway.
    if (found?.[0]) await this.#indexAll(id, found[0], found[1] || undefined, ttl)
  }

  /** Deletes the session and takes it out of its indexes. */
  async destroy(id: string): Promise<void> {
    this.#journal?.record(id, { kind: 'destroy', at: Date.now() })
    await this.#destroy(id)
  }

  async #destroy(id: string): Promise<void> {
    const [sub, sid, data] = (await this.#write((p) => p.eval(DESTROY, 1, this.#key('s', id)))) as [
      string | null,
      string | null,
      string | null,
    ]
    await this.#cache?.invalidate(id)
    // Sessions written before the hash had `u`: their JSON says.
    const old = !sub && data ? (JSON.parse(data) as SessionData) : undefined
    const indexes: Array<['sub' | 'sid', string | null | undefined]> = [
      ['sub', sub || old?.sub],
      ['sid', sid || old?.sid],
    ]
    await Promise.all(
      indexes.filter(([, value]) => value).map(([kind, value]) => this.client.srem(this.#key(kind, value!), id)),
    )
  }

  /** Writes this process's recent session changes again (journal.ts), after a reconnection or a Cluster's masters changed. */
  async #replay(): Promise<void> {
    this.#settling = Math.max(this.#settling, Date.now() + SETTLE_MS)
    try {
      let again = 0
      for (const [id, entry] of this.#journal!.recent()) {
        if (entry.kind === 'destroy') await this.#destroy(id)
        else {
          const left = entry.expiresAt - Date.now()
          if (left <= 0) continue
          const [d, t, u, i] = entry.session
          if (
            (await this.client.eval(WRITE, 1, this.#key('s', id), d, t, u, i, String(left), '2', String(entry.at))) !==
            1
          )
            continue
          await this.#cache?.invalidate(id)
        }
        again += 1
      }
      if (again > 0)
        this.#logger.warn(
          `Redis reconnected; wrote ${again} recent session change${again === 1 ? '' : 's'} again in case a new master had not received them`,
        )
    } catch (error) {
      this.#logger.error(
        `Redis reconnected; could not write the recent session changes again (${error instanceof Error ? error.message : String(error)})`,
      )
    }
  }

  async consumeOnce(key: string, ttl: number): Promise<boolean> {
    this.#available()
    return (await this.client.set(this.#key('once', key), '1', 'PX', ms(ttl), 'NX')) === 'OK'
  }

  /** Bearer tokens of a logged-out session, refused by every process: one key per revocation, read on each bearer request. */
  async revoke(key: string, at: number, ttl: number): Promise<void> {
    await this.#write((p) => p.set(this.#key('revoked', key), String(at), 'PX', ms(ttl)))
  }

  async revokedAt(key: string): Promise<number | undefined> {
    this.#available()
    const at = await this.client.get(this.#key('revoked', key))
    return at === null ? undefined : Number(at)
  }

  async findBySid(sid: string): Promise<string[]> {
    this.#available()
    return liveMembers(this.client, this.#key('sid', sid), (member) => this.#key('s', member))
  }

  async findBySub(sub: string): Promise<string[]> {
    this.#available()
    return liveMembers(this.client, this.#key('sub', sub), (member) => this.#key('s', member))
  }

  /**
   * The session's refresh lock (see lock.ts); a wait that runs out is `session_busy`. Just
   * after a reconnection, or a Cluster's masters changed, it is handed over only after
   * SETTLE_MS (counted from the last one): every process moves at about the same time, and a
   * refresh must not read a session on a new master before the process that refreshed it
   * last has written it there again (its refresh token would be a used one). The wait comes
   * after the lock is taken, since a lock asked for while the client reconnected is sent
   * to the new master the moment it is ready.
   */
  async lock(id: string): Promise<SessionLock> {
    const lock = await takeLock(this.#key('lock', id), {
      client: this.client,
      lease: this.#lease,
      wait: this.#wait,
      confirm: this.#confirmWrites,
      logger: this.#logger,
      available: () => this.#available(),
    })
    for (let left = this.#settling - Date.now(); left > 0; left = this.#settling - Date.now())
      await new Promise((resolve) => setTimeout(resolve, left))
    return lock
  }

  /** Closes the store's connections (the client only if the store made it). */
  async close(): Promise<void> {
    this.#closing = true
    await this.#cache?.close()
    if (this.#owned) await this.client.quit().catch(() => this.client.disconnect())
  }

  /**
   * While Redis is known to be down, fail at once: the request gets its 503 now rather than
   * after the client's retry and timeout (up to 2 s each). The client keeps reconnecting.
   */
  #available(): void {
    if (this.#outage === undefined) return
    // The client's state decides: an 'error' that comes in while it is ready (a late one
    // from a connection attempt, a Cluster's failed slot refresh) must not leave the
    // store refusing every request until the next reconnection.
    if (this.client.status === 'ready') this.#back()
    else throw new Error(`Redis is unavailable (${this.#outage})`)
  }

  #back(): void {
    if (this.#outage === undefined) return
    this.#outage = undefined
    this.#logger.warn('Redis is back')
  }

  #key(kind: string, id: string): string {
    return `${this.#prefix}${kind}:${id}`
  }

  /** A one-key write, confirmed by a replica with `confirmWrites` (writes.ts). */
  #write(command: (pipeline: ChainableCommander) => ChainableCommander): Promise<unknown> {
    this.#available()
    return write(this.client, this.#confirmWrites, command)
  }

  async #indexAll(id: string, sub: string, sid: string | undefined, ttl: number): Promise<void> {
    await addToIndex(this.client, this.#key('sub', sub), id, ms(ttl), (member) => this.#key('s', member))
    if (sid !== undefined)
      await addToIndex(this.client, this.#key('sid', sid), id, ms(ttl), (member) => this.#key('s', member))
  }
}
