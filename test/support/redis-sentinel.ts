/**
 * Redis Sentinel for tests: a master, two replicas and three sentinels (quorum 2) on
 * loopback, with short timeouts so a failover takes a second or two: a master that does
 * not answer for 1 s is down, and a failover may be retried after 2 s.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ask, lines, serverArgs, startRedisProcess, until, type RedisProcess } from './redis-process.js'

export const MASTER_NAME = 'oidc-rp-test'

export interface RedisSentinelSetup {
  /** The data nodes, the first being the master at the start. */
  readonly servers: RedisProcess[]
  readonly sentinels: RedisProcess[]
  /** `127.0.0.1:<port>,...` of the sentinels: REDIS_SENTINELS. */
  readonly sentinelList: string
  readonly name: string
  /** The data node that the sentinels name master now. */
  master(): Promise<RedisProcess>
  /** `SENTINEL FAILOVER`, and resolves once the sentinels name another master that serves writes. */
  failover(): Promise<RedisProcess>
  /** Resolves once `node` (an old master) is a replica again, synced with the master: what it held alone is gone. */
  resynced(node: RedisProcess): Promise<void>
  close(): Promise<void>
}

export async function startRedisSentinel(): Promise<RedisSentinelSetup> {
  const servers: RedisProcess[] = []
  const sentinels: RedisProcess[] = []
  const close = async () => {
    await Promise.all([...sentinels, ...servers].map((p) => p.close()))
  }
  try {
    servers.push(await startRedisProcess({ name: 'sentinel master', args: (port, dir) => serverArgs(port, dir) }))
    const master = servers[0]
    servers.push(
      ...(await Promise.all(
        [1, 2].map((n) =>
          startRedisProcess({
            name: `replica ${n}`,
            args: (port, dir) => serverArgs(port, dir, ['--replicaof', '127.0.0.1', String(master.port)]),
          }),
        ),
      )),
    )
    await until('both replicas synced', () =>
      ask(master.port, 'INFO', 'replication').then((info) => (info.match(/state=online/g) ?? []).length === 2),
    )
    sentinels.push(
      ...(await Promise.all(
        [1, 2, 3].map((n) =>
          startRedisProcess({
            command: 'redis-sentinel',
            name: `sentinel ${n}`,
            ready: /\+monitor master/,
            args: (port, dir) => {
              const file = join(dir, 'sentinel.conf')
              writeFileSync(
                file,
                [
                  `port ${port}`,
                  'bind 127.0.0.1',
                  `dir ${dir}`,
                  'daemonize no',
                  'logfile ""',
                  `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} 2`,
                  `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
                  `sentinel failover-timeout ${MASTER_NAME} 2000`,
                  `sentinel parallel-syncs ${MASTER_NAME} 2`,
                ].join('\n') + '\n',
              )
              return [file]
            },
          }),
        ),
      )),
    )
    // Each sentinel must know the replicas and the other sentinels before it can fail over.
    await until('every sentinel knows 2 replicas and 2 other sentinels', async () => {
      const views = await Promise.all(sentinels.map((s) => ask(s.port, 'SENTINEL', 'MASTER', MASTER_NAME).then(lines)))
      return views.every((view) => field(view, 'num-slaves') === '2' && field(view, 'num-other-sentinels') === '2')
    })
  } catch (error) {
    await close()
    throw error
  }

  const master = async (): Promise<RedisProcess> => {
    const [, port] = lines(await ask(sentinels[0].port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME))
    const node = servers.find((s) => s.port === Number(port))
    if (!node) throw new Error(`the sentinels name an unknown master (port ${port})`)
    return node
  }

  return {
    servers,
    sentinels,
    sentinelList: sentinels.map((s) => s.address).join(','),
    name: MASTER_NAME,
    master,
    async failover() {
      const before = await master()
      const answer = await ask(sentinels[0].port, 'SENTINEL', 'FAILOVER', MASTER_NAME)
      if (!/^OK/.test(answer)) throw new Error(`SENTINEL FAILOVER: ${answer}`)
      let after = before
      await until('a new master', async () => {
        after = await master()
        return after !== before && lines(await ask(after.port, 'ROLE'))[0] === 'master'
      })
      return after
    },
    async resynced(node) {
      await until(
        `${node.address} a replica of the new master, in sync`,
        async () => {
          const info = await ask(node.port, 'INFO', 'replication')
          return /role:slave/.test(info) && /master_link_status:up/.test(info) && /master_sync_in_progress:0/.test(info)
        },
        30_000,
      )
    },
    close,
  }
}

function field(view: string[], name: string): string | undefined {
  const i = view.indexOf(name)
  return i === -1 ? undefined : view[i + 1]
}
