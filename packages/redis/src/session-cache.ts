import type { Cluster, Redis } from 'ioredis'
import type { SessionData } from '@oidc-rp/core'

/** Entries kept per process at most. */
const MAX_ENTRIES = 10_000

/**
 * Sessions read in the last few seconds, kept in this process so that a busy session costs
 * no round trip to Redis on every request, and dropped the moment any process writes,
 * touches or destroys them: every write publishes the session id on a channel all the
 * stores subscribe to. While that subscription is not up (at start, during an outage), the
 * cache is off and every read goes to Redis. Reads that decide on tokens (the refresh, under
 * the lock) always go to Redis.
 */
export class SessionCache {
  readonly #entries = new Map<string, { data: SessionData; at: number }>()
  readonly #ttl: number
  readonly #channel: string
  readonly #subscriber: Redis | Cluster
  /** Whether invalidations are being received. */
  #live = false
  /** Bumped by every invalidation: a read that overlapped one is not cached. */
  #generation = 0

  constructor(client: Redis | Cluster, channel: string, ttlSeconds: number) {
    this.#ttl = ttlSeconds * 1000
    this.#channel = channel
    this.#subscriber = client.duplicate()
    this.#subscriber.on('message', (_channel: string, id: string) => this.#drop(id))
    this.#subscriber.on('ready', () => {
      this.#subscriber.subscribe(channel).then(() => {
        this.#entries.clear() // writes may have been missed while not subscribed
        this.#live = true
      }, () => this.#off())
    })
    for (const event of ['close', 'end', 'error', 'reconnecting']) this.#subscriber.on(event, () => this.#off())
  }

  /** The cached session, if any and recent enough. */
  peek(id: string): SessionData | undefined {
    const entry = this.#live ? this.#entries.get(id) : undefined
    return entry && Date.now() - entry.at < this.#ttl ? entry.data : undefined
  }

  /** The cached session, or the result of `fetch`, cached when nothing was invalidated meanwhile. */
  async read(id: string, fetch: () => Promise<SessionData | undefined>): Promise<SessionData | undefined> {
    const cached = this.peek(id)
    if (cached !== undefined) return cached
    const generation = this.#generation
    const data = await fetch()
    if (data !== undefined && this.#live && generation === this.#generation) {
      this.#entries.delete(id)
      if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value as string)
      this.#entries.set(id, { data, at: Date.now() })
    }
    return data
  }

  /** Drops the session here and in every other process. */
  async invalidate(client: Redis | Cluster, id: string): Promise<void> {
    this.#drop(id)
    await client.publish(this.#channel, id)
  }

  async close(): Promise<void> {
    this.#off()
    await this.#subscriber.quit().catch(() => this.#subscriber.disconnect())
  }

  #drop(id: string): void {
    this.#generation += 1
    this.#entries.delete(id)
  }

  #off(): void {
    this.#live = false
    this.#generation += 1
    this.#entries.clear()
  }
}
