import { setNewest } from '../bounded-map.js'
import type { Logger } from '../config/options.js'
import { OidcError } from '../errors.js'
import type { SessionData, SessionStore } from '../store.js'

export interface MemoryStoreOptions {
  /** Most sessions kept; the least recently written are dropped first. Default 100 000. */
  max?: number
  logger?: Logger
}

interface Entry<T> {
  value: T
  /** Epoch milliseconds. */
  expiresAt: number
}

let warnedInProduction = false

/**
 * Expired entries are swept every `SWEEP_EVERY` ms, at most `SWEEP_BATCH` entries of each
 * map per sweep (under a millisecond; a batch of 10 000 paused the process for 16-38 ms
 * on a loaded 2-core machine): the 100 000 sessions of a full store are all examined
 * within 10 s, and reads never pay for it.
 */
const SWEEP_EVERY = 100
const SWEEP_BATCH = 1000

/**
 * The embedded default: sessions in this process's memory, bounded, each with a TTL.
 * Sessions are lost on restart and not shared between processes: in production use
 * `@oidc-rp/redis` or another store. Expired sessions, one-time keys and revocations are
 * forgotten when read, and otherwise swept as time passes (by a timer that runs only while
 * the store holds something and never keeps the process alive).
 */
export class MemoryStore implements SessionStore {
  readonly #max: number
  readonly #sessions = new Map<string, Entry<SessionData>>()
  readonly #used = new Map<string, Entry<true>>()
  readonly #revoked = new Map<string, Entry<number>>()
  readonly #bySid = new Index()
  readonly #bySub = new Index()
  #sweeper: NodeJS.Timeout | undefined
  readonly #cursors: {
    sessions?: Cursor<SessionData> | undefined
    used?: Cursor<true> | undefined
    revoked?: Cursor<number> | undefined
  } = {}

  constructor(options: MemoryStoreOptions = {}) {
    this.#max = options.max ?? 100_000
    if (!Number.isInteger(this.#max) || this.#max < 1)
      throw new OidcError('invalid_options', 'MemoryStore: max must be a positive integer')
    if (process.env.NODE_ENV === 'production' && !warnedInProduction) {
      warnedInProduction = true
      const logger = options.logger
      const warn = logger ? (m: string) => logger.warn(m) : (m: string) => console.warn(`[oidc-rp] ${m}`)
      warn(
        'MemoryStore is in use with NODE_ENV=production: sessions are lost on restart and not shared between processes. Use @oidc-rp/redis.',
      )
    }
  }

  get size(): number {
    return this.#sessions.size
  }

  async get(id: string): Promise<SessionData | undefined> {
    return this.peek(id)
  }

  peek(id: string): SessionData | undefined {
    const entry = this.#sessions.get(id)
    if (!entry) return undefined
    if (entry.expiresAt > Date.now()) return entry.value
    this.#drop(id)
    return undefined
  }

  async set(id: string, session: SessionData, ttl: number): Promise<void> {
    const previous = this.#sessions.get(id)
    if (previous) this.#unindex(id, previous.value)
    // Set last: Map order is least recently written first.
    setNewest(
      this.#sessions,
      id,
      { value: session, expiresAt: Date.now() + ttl * 1000 },
      this.#max,
      undefined,
      (dropped, entry) => this.#unindex(dropped, entry.value),
    )
    this.#bySub.add(session.sub, id)
    if (session.sid !== undefined) this.#bySid.add(session.sid, id)
    this.#sweepLater()
  }

  async replace(id: string, session: SessionData, ttl: number): Promise<boolean> {
    if (this.peek(id) === undefined) return false
    await this.set(id, session, ttl)
    return true
  }

  async touch(id: string, touchedAt: number, ttl: number): Promise<void> {
    const entry = this.#sessions.get(id)
    if (!entry) return
    entry.value = { ...entry.value, touchedAt }
    entry.expiresAt = Date.now() + ttl * 1000
  }

  async destroy(id: string): Promise<void> {
    this.#drop(id)
  }

  async consumeOnce(key: string, ttl: number): Promise<boolean> {
    const t = Date.now()
    const entry = this.#used.get(key)
    if (entry && entry.expiresAt > t) return false
    setNewest(this.#used, key, { value: true, expiresAt: t + ttl * 1000 }, this.#max)
    this.#sweepLater()
    return true
  }

  async revoke(key: string, at: number, ttl: number): Promise<void> {
    const previous = this.peekRevokedAt(key) ?? 0
    // Set last: the oldest revocations go first.
    setNewest(this.#revoked, key, { value: Math.max(at, previous), expiresAt: Date.now() + ttl * 1000 }, this.#max)
    this.#sweepLater()
  }

  async revokedAt(key: string): Promise<number | undefined> {
    return this.peekRevokedAt(key) ?? undefined
  }

  peekRevokedAt(key: string): number | null {
    const entry = this.#revoked.get(key)
    if (!entry) return null
    if (entry.expiresAt > Date.now()) return entry.value
    this.#revoked.delete(key)
    return null
  }

  async findBySid(sid: string): Promise<string[]> {
    return this.#live(this.#bySid.get(sid))
  }

  async findBySub(sub: string): Promise<string[]> {
    return this.#live(this.#bySub.get(sub))
  }

  async #live(ids: string[]): Promise<string[]> {
    const found: string[] = []
    for (const id of ids) if (await this.get(id)) found.push(id)
    return found
  }

  #sweepLater(): void {
    if (this.#sweeper === undefined) this.#sweeper = setInterval(() => this.#sweep(), SWEEP_EVERY).unref()
  }

  #sweep(): void {
    const now = Date.now()
    const cursors = this.#cursors
    cursors.sessions = sweep(this.#sessions, cursors.sessions, now, (id) => this.#drop(id))
    cursors.used = sweep(this.#used, cursors.used, now, (key) => this.#used.delete(key))
    cursors.revoked = sweep(this.#revoked, cursors.revoked, now, (key) => this.#revoked.delete(key))
    if (this.#sessions.size + this.#used.size + this.#revoked.size > 0) return
    clearInterval(this.#sweeper)
    this.#sweeper = undefined
  }

  #drop(id: string): void {
    const entry = this.#sessions.get(id)
    if (!entry) return
    this.#sessions.delete(id)
    this.#unindex(id, entry.value)
  }

  #unindex(id: string, session: SessionData): void {
    this.#bySub.remove(session.sub, id)
    if (session.sid !== undefined) this.#bySid.remove(session.sid, id)
  }
}

type Cursor<T> = MapIterator<[string, Entry<T>]>

/**
 * Examines the next `SWEEP_BATCH` entries of `map` from `cursor` (a Map iterator, which
 * stays valid while the map changes) and passes the expired ones' keys to `expire`.
 * Returns where to go on from next time; `undefined` starts again from the oldest.
 */
function sweep<T>(
  map: Map<string, Entry<T>>,
  cursor: Cursor<T> | undefined,
  now: number,
  expire: (key: string) => void,
): Cursor<T> | undefined {
  const entries = cursor ?? map.entries()
  for (let i = 0; i < SWEEP_BATCH; i++) {
    const next = entries.next()
    if (next.done) return undefined
    const [key, entry] = next.value
    if (entry.expiresAt <= now) expire(key)
  }
  return entries
}

class Index {
  readonly #map = new Map<string, Set<string>>()

  add(key: string, id: string): void {
    let ids = this.#map.get(key)
    if (!ids) this.#map.set(key, (ids = new Set()))
    ids.add(id)
  }

  remove(key: string, id: string): void {
    const ids = this.#map.get(key)
    if (!ids) return
    ids.delete(id)
    if (ids.size === 0) this.#map.delete(key)
  }

  get(key: string): string[] {
    return [...(this.#map.get(key) ?? [])]
  }
}
