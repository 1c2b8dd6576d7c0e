import { Cluster, type ChainableCommander, type Redis } from 'ioredis'
import { OidcError, type Logger, type SessionData, type SessionLock, type SessionStore } from '@oidc-rp/core'
import { ClientState } from './client-state.js'
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
  readonly #state: ClientState
  readonly #confirmWrites: boolean
  readonly #logger: Logger
  readonly #cache: SessionCache | undefined
  /** With `confirmWrites` or a Cluster: recent writes, re-applied on a new master (journal.ts). */
  readonly #journal: Journal | undefined

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
    this.#journal = this.#confirmWrites || this.client instanceof Cluster ? new Journal() : undefined
    this.#state = new ClientState(this.client, {
      logger: this.#logger,
      owned: this.#owned,
      ...(this.#journal ? { onMove: () => void this.#replay() } : {}),
    })
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
    return this.#state.down ? undefined : this.#cache?.peek(id)
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
   * 2 s (client-state.ts, counted from the last one): every process moves at about the same time, and a
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
    await this.#state.settled()
    return lock
  }

  /** Closes the store's connections (the client only if the store made it). */
  async close(): Promise<void> {
    this.#state.close()
    await this.#cache?.close()
    if (this.#owned) await this.client.quit().catch(() => this.client.disconnect())
  }

  #available(): void {
    this.#state.available()
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
