// Writes to Redis: one-key commands in a pipeline, confirmed by a replica when asked.
import type { Cluster, ChainableCommander, Redis } from 'ioredis'

/** With `confirmWrites`: milliseconds a write (or a lock) waits for a replica (`WAIT 1 <ms>`), and a write keeps being retried. */
export const CONFIRM_WAIT = '500'
const CONFIRM_RETRY_MS = 5000

/**
 * Runs a one-key write and answers its result. With `confirm`, the write is followed, on the
 * same connection, by `WAIT 1`: one that no replica acknowledged (the master is failing, or
 * has just lost its role) is sent again, on the new master once the client has moved there,
 * until one does, for up to 5 s; then it fails (503).
 */
export async function write(
  client: Redis | Cluster,
  confirm: boolean,
  command: (pipeline: ChainableCommander) => ChainableCommander,
): Promise<unknown> {
  if (!confirm) return result(await command(client.pipeline()).exec(), 0)
  const deadline = Date.now() + CONFIRM_RETRY_MS
  for (;;) {
    let problem: string
    try {
      const results = await command(client.pipeline()).call('wait', '1', CONFIRM_WAIT).exec()
      const value = result(results, 0)
      if (Number(result(results, 1)) >= 1) return value
      problem = 'no replica acknowledged it'
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error)
    }
    if (Date.now() > deadline)
      throw new Error(`Redis did not confirm a session write within ${CONFIRM_RETRY_MS / 1000}s (${problem})`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/**
 * The result of the pipeline's `index`th command. ioredis resolves `exec()` with one
 * `[error, result]` pair per command instead of rejecting: turn an error into a rejection.
 */
export function result(results: Array<[Error | null, unknown]> | null, index: number): unknown {
  const entry = results?.[index]
  if (!entry) throw new Error('Redis did not run the command')
  if (entry[0] !== null) throw entry[0]
  return entry[1]
}

/** Seconds as the milliseconds Redis takes (PX), at least 1. */
export function ms(seconds: number): number {
  return Math.max(1, Math.ceil(seconds * 1000))
}
