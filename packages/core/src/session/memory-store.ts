import type { Logger } from '../config/options.js'
import type { SessionData, SessionStore } from './store.js'

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
 * The embedded default: sessions in this process's memory, bounded, each with a TTL.
 * Sessions are lost on restart and not shared between processes: in production use
 * `@oidc-rp/redis` or another store.
 */
export class MemoryStore implements SessionStore {
  readonly #max: number
  readonly #sessions = new Map<string, Entry<SessionData>>()
  readonly #used = new Map<string, Entry<true>>()

  constructor(options: MemoryStoreOptions = {}) {
    this.#max = options.max ?? 100_000
    if (!Number.isInteger(this.#max) || this.#max < 1) throw new TypeError('MemoryStore: max must be a positive integer')
    if (process.env.NODE_ENV === 'production' && !warnedInProduction) {
      warnedInProduction = true
      const warn = options.logger?.warn ?? ((m: string) => console.warn(`[oidc-rp] ${m}`))
      warn('MemoryStore is in use with NODE_ENV=production: sessions are lost on restart and not shared between processes. Use @oidc-rp/redis.')
    }
  }

  get size(): number {
    return this.#sessions.size
  }

  async get(id: string): Promise<SessionData | undefined> {
    return live(this.#sessions, id)
  }

  async set(id: string, session: SessionData, ttl: number): Promise<void> {
    put(this.#sessions, id, session, ttl, this.#max)
  }

  async destroy(id: string): Promise<void> {
    this.#sessions.delete(id)
  }

  async consumeOnce(key: string, ttl: number): Promise<boolean> {
    if (live(this.#used, key)) return false
    put(this.#used, key, true, ttl, this.#max)
    return true
  }

  /** Every live session, for back-channel logout lookups and tests. */
  *entries(): IterableIterator<[string, SessionData]> {
    const now = Date.now()
    for (const [id, entry] of this.#sessions) if (entry.expiresAt > now) yield [id, entry.value]
  }
}

function live<T>(map: Map<string, Entry<T>>, key: string): T | undefined {
  const entry = map.get(key)
  if (!entry) return undefined
  if (entry.expiresAt <= Date.now()) {
    map.delete(key)
    return undefined
  }
  return entry.value
}

function put<T>(map: Map<string, Entry<T>>, key: string, value: T, ttl: number, max: number): void {
  map.delete(key) // re-insert: Map order is then least recently written first
  map.set(key, { value, expiresAt: Date.now() + ttl * 1000 })
  // Over the bound: drop the least recently written. Expired entries go when read.
  if (map.size > max) map.delete(map.keys().next().value as string)
}
