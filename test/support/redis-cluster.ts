/**
 * A Redis Cluster for tests: six nodes on loopback, three masters with a replica each
 * (`redis-cli --cluster create ... --cluster-replicas 1`), with `cluster-node-timeout` 1 s
 * so that a killed master is replaced within a few seconds.
 */
import { execFile } from 'node:child_process'
import { ask, lines, serverArgs, startRedisProcess, until, type RedisProcess } from './redis-process.js'

export interface ClusterNode {
  process: RedisProcess
  id: string
  role: 'master' | 'replica'
  /** Slot ranges of a master, [from, to] inclusive. */
  slots: Array<[number, number]>
}

export interface RedisCluster {
  readonly processes: RedisProcess[]
  /** `127.0.0.1:<port>,...` of every node: REDIS_CLUSTER_NODES. */
  readonly nodeList: string
  /** The nodes as a running node sees them now. */
  nodes(): Promise<ClusterNode[]>
  /** The master that serves `key` now. */
  masterOf(key: string): Promise<ClusterNode>
  /** Resolves once every running node reports the cluster ok and every slot has a master that runs. */
  healthy(): Promise<void>
  /** The running replicas of `master`. */
  replicasOf(master: ClusterNode): Promise<RedisProcess[]>
  /** A master with a running replica (one that can fail over). */
  replicatedMaster(): Promise<ClusterNode>
  /** `CLUSTER FAILOVER` on a replica of `master`; resolves once the replica is master. */
  failover(master: ClusterNode): Promise<ClusterNode>
  close(): Promise<void>
}

export async function startRedisCluster(): Promise<RedisCluster> {
  const processes: RedisProcess[] = []
  const close = async () => {
    await Promise.all(processes.map((p) => p.close()))
  }
  const running = () => processes.filter((p) => p.running)

  const nodes = async (): Promise<ClusterNode[]> => {
    const answer = await ask(running()[0].port, 'CLUSTER', 'NODES')
    return lines(answer)
      .map((line) => {
        const [id, address, flags, , , , , , ...slots] = line.split(' ')
        const port = Number(address.split('@')[0].split(':')[1])
        const process = processes.find((p) => p.port === port)
        if (!process) throw new Error(`unknown cluster node ${address}`)
        return {
          process,
          id: id,
          role: flags.includes('master') ? ('master' as const) : ('replica' as const),
          slots: slots
            .filter((s) => !s.startsWith('['))
            .map((s) => s.split('-').map(Number))
            .map(([from, to]) => [from, to ?? from] as [number, number]),
        }
      })
      .filter((node) => node.process.running)
  }

  const healthy = () =>
    until(
      'the cluster ok on every running node, every slot served',
      async () => {
        for (const p of running()) if (!/cluster_state:ok/.test(await ask(p.port, 'CLUSTER', 'INFO'))) return false
        const served = (await nodes())
          .filter((n) => n.role === 'master')
          .flatMap((n) => n.slots)
          .reduce((sum, [from, to]) => sum + to - from + 1, 0)
        return served === 16384
      },
      20_000,
    )

  try {
    processes.push(
      ...(await Promise.all(
        [1, 2, 3, 4, 5, 6].map((n) =>
          startRedisProcess({
            name: `cluster node ${n}`,
            args: (port, dir) =>
              serverArgs(port, dir, [
                '--appendonly',
                'no',
                '--cluster-enabled',
                'yes',
                '--cluster-config-file',
                'nodes.conf',
                '--cluster-node-timeout',
                '1000',
              ]),
          }),
        ),
      )),
    )
    await new Promise<void>((resolve, reject) => {
      execFile(
        'redis-cli',
        ['--cluster', 'create', ...processes.map((p) => p.address), '--cluster-replicas', '1', '--cluster-yes'],
        { timeout: 30_000 },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`redis-cli --cluster create: ${error.message}\n${stdout}${stderr}`))
          else resolve()
        },
      )
    })
    await healthy()
    await until(
      'every master has a replica',
      async () => (await nodes()).filter((n) => n.role === 'replica').length === 3,
    )
  } catch (error) {
    await close()
    throw error
  }

  return {
    processes,
    nodeList: processes.map((p) => p.address).join(','),
    nodes,
    async masterOf(key) {
      const slot = Number(lines(await ask(running()[0].port, 'CLUSTER', 'KEYSLOT', key))[0])
      const master = (await nodes()).find(
        (n) => n.role === 'master' && n.slots.some(([from, to]) => slot >= from && slot <= to),
      )
      if (!master) throw new Error(`no master serves slot ${slot}`)
      return master
    },
    healthy,
    replicasOf,
    async replicatedMaster() {
      for (const node of await nodes()) if (node.role === 'master' && (await replicasOf(node)).length > 0) return node
      throw new Error('no master has a running replica')
    },
    async failover(master) {
      const replicas = await replicasOf(master)
      const chosen = replicas[0]
      if (!chosen) throw new Error(`master ${master.process.address} has no running replica`)
      const answer = await ask(chosen.port, 'CLUSTER', 'FAILOVER')
      if (!/^OK/.test(answer)) throw new Error(`CLUSTER FAILOVER: ${answer}`)
      let promoted: ClusterNode | undefined
      await until(`${chosen.address} master`, async () => {
        promoted = (await nodes()).find((n) => n.process === chosen && n.role === 'master')
        return promoted !== undefined
      })
      return promoted!
    },
    close,
  }

  /** The running replicas of `master`, from CLUSTER NODES (the fourth field names the master). */
  async function replicasOf(master: ClusterNode): Promise<RedisProcess[]> {
    const answer = await ask(running()[0].port, 'CLUSTER', 'NODES')
    return lines(answer)
      .map((line) => line.split(' '))
      .filter((f) => f[3] === master.id)
      .map((f) => processes.find((p) => p.port === Number(f[1].split('@')[0].split(':')[1])))
      .filter((p): p is RedisProcess => p !== undefined && p.running)
  }
}
