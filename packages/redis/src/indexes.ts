// The sets that index sessions by `sub` and `sid` (for back-channel logout): they live at
// least as long as their sessions, and lose the members whose sessions are gone.
import type { Cluster, Redis } from 'ioredis'
import { INDEX } from './scripts.js'

/** Adds session `id` to the index at `key` (which then lives at least `ttlMs`), and drops the members whose sessions are gone. */
export async function addToIndex(
  client: Redis | Cluster,
  key: string,
  id: string,
  ttlMs: number,
  sessionKey: (id: string) => string,
): Promise<void> {
  await client.eval(INDEX, 1, key, id, String(ttlMs))
  await liveMembers(client, key, sessionKey)
}

/** The members of the index at `key` whose sessions still exist; the others are removed from it. */
export async function liveMembers(
  client: Redis | Cluster,
  key: string,
  sessionKey: (id: string) => string,
): Promise<string[]> {
  const ids = await client.smembers(key)
  // One command per member (not a pipeline): in a Cluster the sessions live in other slots.
  const exists = await Promise.all(ids.map((id) => client.exists(sessionKey(id))))
  const live = ids.filter((_, i) => exists[i] === 1)
  const dead = ids.filter((_, i) => exists[i] !== 1)
  if (dead.length > 0) await client.srem(key, ...dead)
  return live
}
