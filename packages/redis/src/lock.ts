import { randomBytes } from 'node:crypto'
import type { Cluster, Redis } from 'ioredis'
import { OidcError, type Logger, type SessionLock } from '@oidc-rp/core'
import { CONFIRM_WAIT, result } from './writes.js'

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`

export interface LockSettings {
  client: Redis | Cluster
  /** Milliseconds the lock lives without renewal. */
  lease: number
  /** Milliseconds to wait for it. */
  wait: number
  /** Whether a replica must acknowledge the lock (`confirmWrites`). */
  confirm: boolean
  logger: Logger
  /** Throws while Redis is known to be down. */
  available: () => void
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Waits for the lock at `key` (polling, a little jittered), then renews its lease every
 * third of it until released. A holder that dies stops renewing: the lock is free again
 * after at most one lease.
 *
 * Every attempt has its own random token. An attempt that got no answer (a timeout: Redis
 * stalled, or the connection broke) may still run when Redis resumes, and would leave a
 * lock nobody holds for a whole lease: it is undone with a compare-and-delete of its token,
 * sent after it on the same connection and retried until it has run or the lease is over.
 *
 * With `confirm`, a lock counts only once a replica has it (`WAIT 1`), like the session
 * writes: a master that has lost its replicas (an old master that Sentinel has not yet
 * turned into a replica, still taking writes from a client that missed the switch) would
 * grant a lock nobody else sees, and its holder would refresh from a copy of the session
 * older than the new master's. An unconfirmed lock is let go and asked for again.
 */
export async function takeLock(key: string, settings: LockSettings): Promise<SessionLock> {
  const { client, lease, wait } = settings
  const deadline = Date.now() + wait
  let token: string
  for (;;) {
    settings.available()
    token = randomBytes(16).toString('base64url')
    let answer: unknown
    try {
      answer = await attempt(key, token, settings)
    } catch (error) {
      undo(key, token, settings)
      throw error
    }
    if (answer === 'OK') break
    const unconfirmed = answer === UNCONFIRMED
    if (unconfirmed) undo(key, token, settings)
    if (Date.now() > deadline) {
      if (unconfirmed)
        throw new Error(`no Redis replica confirmed a refresh lock within ${wait / 1000}s (is the master cut off?)`)
      throw new OidcError(
        'session_busy',
        `Another request is renewing this session's tokens and did not finish within ${wait / 1000}s; try again shortly.`,
      )
    }
    await sleep(unconfirmed ? 200 : 15 + Math.random() * 20)
  }
  const held = token
  const renewal = setInterval(() => {
    client.eval(RENEW, 1, key, held, String(lease)).catch(() => {
      /* the lease runs out; another process may take over */
    })
  }, lease / 3)
  renewal.unref()
  return {
    release: async () => {
      clearInterval(renewal)
      settings.available()
      await client.eval(RELEASE, 1, key, held)
    },
  }
}

const UNCONFIRMED = Symbol('unconfirmed')

/** `SET NX PX` (with `confirm`, and `WAIT 1` in the same pipeline): 'OK', null (taken) or UNCONFIRMED. */
async function attempt(key: string, token: string, { client, lease, confirm }: LockSettings): Promise<unknown> {
  if (!confirm) return client.set(key, token, 'PX', lease, 'NX')
  const results = await client.pipeline().set(key, token, 'PX', lease, 'NX').call('wait', '1', CONFIRM_WAIT).exec()
  const answer = result(results, 0)
  if (answer !== 'OK') return answer
  return Number(result(results, 1)) >= 1 ? 'OK' : UNCONFIRMED
}

/** Deletes the lock if `token` holds it, retrying until that has run or the lease is over (then it is gone anyway). */
function undo(key: string, token: string, { client, lease, logger }: LockSettings): void {
  const until = Date.now() + lease
  const attempt = (): void => {
    client.eval(RELEASE, 1, key, token).then(
      () => undefined,
      async (error: unknown) => {
        if (Date.now() + 100 > until) {
          logger.warn(
            `could not undo an unanswered refresh lock attempt (${error instanceof Error ? error.message : String(error)}); it expires with its lease`,
          )
          return
        }
        await sleep(100)
        attempt()
      },
    )
  }
  attempt()
}
