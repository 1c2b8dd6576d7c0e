/**
 * A real `redis-server` for tests (redis-process.ts beside it): on a free loopback port,
 * in a temporary directory, with the append-only file fsynced at every write, so `restart()`
 * (same port, same directory) keeps every key, even after `stop('SIGKILL')`.
 */
import { serverArgs, startRedisProcess, type RedisProcess } from './redis-process.js'

export interface RedisServer extends RedisProcess {
  /** redis://127.0.0.1:<port> */
  readonly url: string
}

export async function startRedisServer(): Promise<RedisServer> {
  const server = await startRedisProcess({
    args: (port, dir) => serverArgs(port, dir, ['--appendonly', 'yes', '--appendfsync', 'always']),
  })
  return Object.assign(server, { url: `redis://${server.address}` })
}
