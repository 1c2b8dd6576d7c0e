import { Cluster, type Redis } from 'ioredis'
import type { Logger } from '@oidc-rp/core'

/** After a move to another master, refresh locks wait this long (see `settled`). */
const SETTLE_MS = 2000

/** After its client gave up for good, the store starts it again after this long. */
const RESTART_MS = 1000

export interface ClientStateOptions {
  logger: Logger
  /** Whether the store made the client: only then is it started again after it gave up. */
  owned: boolean
  /**
   * Called when the client may be on another master (Sentinel: every reconnection, since
   * a failover shows as one; Cluster: the set of masters changed). Without it, moves are
   * not watched.
   */
  onMove?: () => void
}

/**
 * What the store knows of its client: whether Redis is reachable (one line logged when it
 * goes, one when it is back), and whether the client has just moved to another master.
 */
export class ClientState {
  readonly #client: Redis | Cluster
  readonly #logger: Logger
  /** Why Redis is unreachable, from its client's first error until it is ready again. */
  #outage: string | undefined
  /** Until when (epoch ms) refresh locks wait after a move. */
  #settling = 0
  /** Set by `close()`: the client's end is then wanted. */
  #closing = false

  constructor(client: Redis | Cluster, { logger, owned, onMove }: ClientStateOptions) {
    this.#client = client
    this.#logger = logger
    client.on('error', (err: Error) => {
      if (this.#outage !== undefined) return
      this.#outage = err.message
      this.#logger.error(`Redis unavailable (${err.message}); requests that need sessions get 503 until it is back`)
    })
    let connected = false
    client.on('ready', () => {
      // Set at once, before any reply: commands queued meanwhile already run on the new master.
      if (connected && onMove && !(client instanceof Cluster)) this.#moved(onMove)
      connected = true
      this.#back()
    })
    if (client instanceof Cluster && onMove) {
      let masters: string | undefined
      client.on('refresh', () => {
        const now = client
          .nodes('master')
          .map((node) => `${node.options.host}:${node.options.port}`)
          .sort()
          .join(',')
        if (masters !== undefined && now !== masters) this.#moved(onMove)
        masters = now
      })
    }
    if (owned && !(client instanceof Cluster)) {
      // ioredis gives up for good ('end') when a Sentinel's +switch-master comes in while it
      // is still asking the sentinels where the master is (a killed master, then the
      // switch): every request would get 503 until the app restarts. Start it again.
      const restart = () => {
        if (client.status === 'end' && !this.#closing) client.connect().catch(() => undefined) // fails: 'end' again
      }
      client.on('end', () => setTimeout(restart, RESTART_MS).unref())
    }
  }

  /** Whether Redis is known to be unreachable. */
  get down(): boolean {
    return this.#outage !== undefined && this.#client.status !== 'ready'
  }

  /**
   * Throws while Redis is known to be down: the request gets its 503 now rather than after
   * the client's retry and timeout (up to 2 s each). The client keeps reconnecting. The
   * client's state decides: an 'error' that comes in while it is ready (a late one from a
   * connection attempt, a Cluster's failed slot refresh) must not leave the store refusing
   * every request until the next reconnection.
   */
  available(): void {
    if (this.#outage === undefined) return
    if (this.#client.status === 'ready') this.#back()
    else throw new Error(`Redis is unavailable (${this.#outage})`)
  }

  /** Resolves once SETTLE_MS have passed since the last move (at once if there was none). */
  async settled(): Promise<void> {
    for (let left = this.#settling - Date.now(); left > 0; left = this.#settling - Date.now())
      await new Promise((resolve) => setTimeout(resolve, left))
  }

  /** The store is closing: the client's end is wanted. */
  close(): void {
    this.#closing = true
  }

  #moved(onMove: () => void): void {
    this.#settling = Date.now() + SETTLE_MS
    onMove()
  }

  #back(): void {
    if (this.#outage === undefined) return
    this.#outage = undefined
    this.#logger.warn('Redis is back')
  }
}
