import { randomBytes } from 'node:crypto'
import { Cluster, Redis } from 'ioredis'
import type { Logger, SessionData } from '@oidc-rp/core'

/** Entries kept per process at most. */
const MAX_ENTRIES = 10_000
/** Milliseconds between this process's heartbeats on the invalidation channel. */
export const HEARTBEAT_MS = 250
/** The cache is off once no heartbeat of its own has come back for this long. */
export const HEARTBEAT_TIMEOUT_MS = 750
/** Heartbeats start with this (a session id, base64url, never has a colon). */
const BEAT = 'hb:'

/**
 * Sessions read in the last few seconds, kept in this process so that a busy session costs
 * no round trip to Redis on every request, and dropped the moment any process writes,
 * touches or destroys them: every write publishes the session id on a channel all the
 * stores subscribe to.
 *
 * The cache is on only while it can show that those messages arrive: the store publishes a
 * heartbeat of its own on the channel every 250 ms, through the same client as its
 * invalidations, and the cache serves entries only while the last one came back less than
 * 750 ms ago. A subscription that is down, moving (a Cluster node died), or silently broken
 * turns it off and empties it within 750 ms, whatever events the client emits or not; when
 * heartbeats come back, it starts empty (invalidations may have been missed). Reads that
 * decide on tokens (the refresh, under the lock) always go to Redis.
 */
export class SessionCache {
  readonly #entries = new Map<string, { data: SessionData; at: number }>()
  readonly #ttl: number
  readonly #channel: string
  readonly #client: Redis | Cluster
  #subscriber: Redis | undefined
  #closed = false
  readonly #logger: Logger
  readonly #beat = `${BEAT}${randomBytes(8).toString('base64url')}`
  readonly #heartbeat: NodeJS.Timeout
  /** When this process's last heartbeat came back (0: never, or the cache was turned off). */
  #lastBeat = 0
  /** Bumped by every invalidation: a read that overlapped one is not cached. */
  #generation = 0
  /** Whether a failed publish has been logged since the last one that worked. */
  #publishFailing = false

  constructor(options: { client: Redis | Cluster; channel: string; ttlSeconds: number; logger: Logger }) {
    this.#ttl = options.ttlSeconds * 1000
    this.#channel = options.channel
    this.#client = options.client
    this.#logger = options.logger
    this.#subscribe()
    this.#heartbeat = setInterval(() => {
      this.#client.publish(this.#channel, this.#beat).catch(() => {
        /* no heartbeat back: the cache turns off */
      })
    }, HEARTBEAT_MS)
    this.#heartbeat.unref()
  }

  /** Whether invalidations are provably arriving; when they stopped, empties the cache. */
  get live(): boolean {
    if (this.#lastBeat !== 0 && Date.now() - this.#lastBeat >= HEARTBEAT_TIMEOUT_MS) this.#off()
    return this.#lastBeat !== 0
  }

  /** The cached session, if any and recent enough. */
  peek(id: string): SessionData | undefined {
    const entry = this.live ? this.#entries.get(id) : undefined
    return entry && Date.now() - entry.at < this.#ttl ? entry.data : undefined
  }

  /** The cached session, or the result of `fetch`, cached when nothing was invalidated meanwhile. */
  async read(id: string, fetch: () => Promise<SessionData | undefined>): Promise<SessionData | undefined> {
    const cached = this.peek(id)
    if (cached !== undefined) return cached
    const generation = this.#generation
    const data = await fetch()
    if (data !== undefined && this.live && generation === this.#generation) {
      this.#entries.delete(id)
      if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value as string)
      this.#entries.set(id, { data, at: Date.now() })
    }
    return data
  }

  /**
   * Drops the session here and in every other process. Never rejects: the write it follows
   * has succeeded. A publish that fails is logged and retried until the other caches have
   * forgotten the session anyway (their TTL); meanwhile they may serve it.
   */
  invalidate(id: string): Promise<void> {
    this.#drop(id)
    const until = Date.now() + this.#ttl
    const attempt = async (): Promise<void> => {
      try {
        await this.#client.publish(this.#channel, id)
        this.#publishFailing = false
      } catch (error) {
        if (!this.#publishFailing) {
          this.#publishFailing = true
          this.#logger.error(
            `could not tell the other processes that a session changed (${error instanceof Error ? error.message : String(error)}); retrying for ${this.#ttl / 1000}s`,
          )
        }
        if (Date.now() + 100 < until) setTimeout(() => void attempt(), 100).unref()
      }
    }
    return attempt()
  }

  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#heartbeat)
    this.#off()
    const subscriber = this.#subscriber
    await subscriber?.quit().catch(() => subscriber.disconnect())
  }

  /**
   * One node or Sentinel: a second connection like the client's, which reconnects (and
   * subscribes again) by itself. Cluster: a connection of our own to one of its nodes (a
   * message published on any node reaches every node), replaced by another node's when it
   * ends: the Cluster client's own subscription emits nothing while it moves, and drops
   * what is published meanwhile. Whenever the connection is not up, the cache is off.
   */
  #subscribe(): void {
    if (this.#closed) return
    let subscriber: Redis
    if (this.#client instanceof Cluster) {
      const nodes = this.#client.nodes('all')
      const node = nodes[Math.floor(Math.random() * nodes.length)]
      if (node === undefined) {
        setTimeout(() => this.#subscribe(), 100).unref()
        return
      }
      const { host, port, username, password, tls } = node.options
      subscriber = new Redis({
        ...(host === undefined ? {} : { host }),
        ...(port === undefined ? {} : { port }),
        ...(username === undefined ? {} : { username }),
        ...(password === undefined ? {} : { password }),
        ...(tls === undefined ? {} : { tls }),
        connectTimeout: 2000,
        retryStrategy: () => null,
      })
      subscriber.once('end', () => {
        this.#off()
        if (this.#subscriber === subscriber) setTimeout(() => this.#subscribe(), 100).unref()
      })
    } else {
      subscriber = this.#client.duplicate()
    }
    this.#subscriber = subscriber
    subscriber.on('message', (_channel: string, message: string) => {
      if (message === this.#beat) this.#beaten()
      else if (!message.startsWith(BEAT)) this.#drop(message)
    })
    for (const event of ['close', 'end', 'reconnecting']) subscriber.on(event, () => this.#off())
    subscriber.on('error', () => {
      /* 'close' follows; the heartbeat tells anyway */
    })
    subscriber.subscribe(this.#channel).catch(() => {
      /* subscribed again on reconnection; the heartbeat tells */
    })
  }

  #beaten(): void {
    // Back after a gap: invalidations may have been missed meanwhile.
    if (!this.live) this.#off()
    this.#lastBeat = Date.now()
  }

  #drop(id: string): void {
    this.#generation += 1
    this.#entries.delete(id)
  }

  #off(): void {
    this.#lastBeat = 0
    this.#generation += 1
    this.#entries.clear()
  }
}
