import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis'
import { OidcError, type Logger } from '@oidc-rp/core'

/** A Redis node or a Sentinel: where the store connects first. */
export interface RedisAddress {
  host: string
  port: number
}

export interface RedisStoreOptions {
  /**
   * One node: a `redis://` or `rediss://` URL. The store makes its own client with
   * `recommendedOptions`. Give exactly one of `url`, `sentinels`, `cluster` and `client`.
   */
  url?: string
  /** Sentinel: the sentinels (`name` is the master's name); the client gets `recommendedSentinelOptions`. */
  sentinels?: RedisAddress[]
  /** The name of the master that the sentinels watch (`sentinel monitor <name> ...`). */
  name?: string
  /** Cluster: some of its nodes (the client finds the others); the client gets `recommendedClusterOptions`. */
  cluster?: RedisAddress[]
  /** Or your own ioredis client: `new Redis(...)` (one node or Sentinel) or `new Cluster(...)`. */
  client?: Redis | Cluster
  /**
   * Whether each session write waits until a replica has it (`WAIT 1`), and is retried
   * (on the new master after a failover) until one has. Default: on with `sentinels`, off
   * otherwise (one node has no replica; with a Cluster the store does not send `WAIT` on the connection of a write).
   */
  confirmWrites?: boolean
  /** Prefix of every key. Default `oidc-rp:`. */
  prefix?: string
  /** Seconds a refresh lock is held without renewal; it is renewed while held. Default 10. */
  lockLease?: number
  /** Seconds to wait for another process's refresh before giving up (503 `session_busy`). Default 30. */
  lockWait?: number
  /**
   * Seconds a session read is reused by this process (0: never). Every write, touch and
   * destroy, by any process, drops it everywhere (Redis pub/sub), and the cache is on only
   * while this process receives its own heartbeats on that channel. Default 5.
   */
  cache?: number
  logger?: Logger
}

const backoff = (attempt: number) => Math.min(attempt * 100, 1000)

/**
 * One node: fail fast while Redis is down (the request gets 503 instead of queueing), and
 * reconnect forever, every second at most.
 */
export const recommendedOptions: RedisOptions = Object.freeze({
  maxRetriesPerRequest: 1,
  commandTimeout: 2000,
  connectTimeout: 2000,
  retryStrategy: backoff,
})

/**
 * Sentinel: as one node, plus `failoverDetector` (the client listens for `+switch-master`
 * and moves to the new master at once; without it, it stays on the old master, which
 * Sentinel leaves writable for ~10 s and then resyncs, discarding what was written there),
 * and a reconnection when a node answers READONLY (it has become a replica).
 */
export const recommendedSentinelOptions: RedisOptions = Object.freeze({
  ...recommendedOptions,
  failoverDetector: true,
  sentinelRetryStrategy: backoff,
  reconnectOnError: (error: Error) => error.message.startsWith('READONLY'),
})

/**
 * Cluster: reads and writes on masters only (a replica may lag behind a refresh), quick
 * retries while a slot moves or a failover runs, and every node connection as one node.
 */
export const recommendedClusterOptions: ClusterOptions = Object.freeze({
  scaleReads: 'master',
  clusterRetryStrategy: backoff,
  retryDelayOnFailover: 100,
  retryDelayOnClusterDown: 100,
  retryDelayOnTryAgain: 100,
  slotsRefreshTimeout: 2000,
  redisOptions: { maxRetriesPerRequest: 1, commandTimeout: 2000, connectTimeout: 2000 },
})

export interface Connection {
  client: Redis | Cluster
  /** Whether the store made the client (and closes it). */
  owned: boolean
  confirmWrites: boolean
}

const TOPOLOGIES = ['url', 'sentinels', 'cluster', 'client'] as const

/** Checks the topology options and makes the client (unless one was given). */
export function connect(options: RedisStoreOptions): Connection {
  const given = TOPOLOGIES.filter((name) => options[name] !== undefined)
  if (given.length !== 1) {
    throw new OidcError(
      'invalid_options',
      `@oidc-rp/redis: give RedisStore exactly one of \`url\` (e.g. process.env.REDIS_URL), \`sentinels\` (with \`name\`), \`cluster\` or \`client\` (an ioredis client)${given.length > 1 ? `, not ${given.join(' and ')}` : ''}`,
    )
  }
  if (options.confirmWrites !== undefined && typeof options.confirmWrites !== 'boolean')
    throw new OidcError('invalid_options', '@oidc-rp/redis: `confirmWrites` must be a boolean')
  if (options.name !== undefined && options.sentinels === undefined)
    throw new OidcError('invalid_options', '@oidc-rp/redis: `name` goes with `sentinels`')
  if (options.url !== undefined) {
    if (typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url)) {
      throw new OidcError(
        'invalid_options',
        '@oidc-rp/redis: `url` must be a redis:// or rediss:// URL, e.g. process.env.REDIS_URL (is REDIS_URL set?)',
      )
    }
    return {
      client: new Redis(options.url, recommendedOptions),
      owned: true,
      confirmWrites: options.confirmWrites ?? false,
    }
  }
  if (options.sentinels !== undefined) {
    const sentinels = addresses('sentinels', options.sentinels)
    if (typeof options.name !== 'string' || options.name === '')
      throw new OidcError(
        'invalid_options',
        '@oidc-rp/redis: `sentinels` needs `name`, the name of the master they watch',
      )
    return {
      client: new Redis({ ...recommendedSentinelOptions, sentinels, name: options.name }),
      owned: true,
      confirmWrites: options.confirmWrites ?? true,
    }
  }
  if (options.cluster !== undefined) {
    if (options.confirmWrites === true)
      throw new OidcError(
        'invalid_options',
        '@oidc-rp/redis: `confirmWrites` is not available with `cluster` (the store does not send WAIT on the connection of a write to a Cluster; it writes recent changes again after a failover instead)',
      )
    return {
      client: new Cluster(addresses('cluster', options.cluster), recommendedClusterOptions),
      owned: true,
      confirmWrites: false,
    }
  }
  if (!(options.client instanceof Redis) && !(options.client instanceof Cluster))
    throw new OidcError(
      'invalid_options',
      '@oidc-rp/redis: `client` must be an ioredis client (new Redis(...) or new Cluster(...))',
    )
  if (options.confirmWrites === true && options.client instanceof Cluster)
    throw new OidcError('invalid_options', '@oidc-rp/redis: `confirmWrites` is not available with a Cluster client')
  return { client: options.client, owned: false, confirmWrites: options.confirmWrites ?? false }
}

function addresses(name: string, value: unknown): RedisAddress[] {
  const valid = (a: unknown): a is RedisAddress =>
    typeof a === 'object' &&
    a !== null &&
    typeof (a as RedisAddress).host === 'string' &&
    (a as RedisAddress).host !== '' &&
    Number.isInteger((a as RedisAddress).port) &&
    (a as RedisAddress).port > 0 &&
    (a as RedisAddress).port < 65536
  if (!Array.isArray(value) || value.length === 0 || !value.every(valid)) {
    throw new OidcError(
      'invalid_options',
      `@oidc-rp/redis: \`${name}\` must be a non-empty array of { host, port }, e.g. [{ host: '10.0.0.1', port: ${name === 'sentinels' ? 26379 : 6379} }]`,
    )
  }
  return value.map(({ host, port }) => ({ host, port }))
}

/**
 * `host:port,host:port` (e.g. REDIS_SENTINELS, REDIS_CLUSTER_NODES) as addresses; throws an
 * `OidcError('invalid_options')` naming `variable` when the value is not that.
 */
export function parseAddresses(value: string, variable: string): RedisAddress[] {
  const parts = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
  const parsed = parts.map((part) => /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(part))
  const bad = parts.find((_, i) => parsed[i] === null || Number(parsed[i][2]) === 0 || Number(parsed[i][2]) > 65535)
  if (parts.length === 0 || bad !== undefined) {
    throw new OidcError(
      'invalid_options',
      `@oidc-rp/redis: ${variable} must be host:port[,host:port...], e.g. 10.0.0.1:26379,10.0.0.2:26379${bad !== undefined ? ` (not "${bad}")` : ''}`,
    )
  }
  return parsed.map((match) => ({ host: match![1].replace(/^\[|\]$/g, ''), port: Number(match![2]) }))
}

/** An option in seconds, checked (`fallback` when not given). */
export function seconds(name: string, value: number | undefined, fallback: number, zeroAllowed: boolean): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (value === 0 && !zeroAllowed)) {
    throw new OidcError(
      'invalid_options',
      `@oidc-rp/redis: \`${name}\` must be a number of seconds ${zeroAllowed ? 'of 0 or more' : 'above 0'}`,
    )
  }
  return value
}
