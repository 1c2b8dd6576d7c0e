/**
 * The store's Lua scripts. Each touches one key, so they run unchanged on a Cluster.
 *
 * A session hash has `d` (JSON of the session), `t` (last use, epoch seconds), `u` (sub) and
 * `i` (sid, or empty): `touch` and `destroy` learn from it which indexes to update.
 */

/**
 * WRITE: KEYS[1] session; ARGV: d, t, u, i, ttl ms, mode, w (when it was written, epoch ms).
 * Writes the whole session (nothing of the previous one survives). Mode '0': always; '1':
 * only if it is still there; '2' (re-applying a write after a failover): only if it is
 * still there and what is there was written before `w`. Answers 1 if it wrote, 0 if not.
 */
export const WRITE = `
if ARGV[6] ~= '0' then
  if redis.call('exists', KEYS[1]) == 0 then return 0 end
  if ARGV[6] == '2' and tonumber(redis.call('hget', KEYS[1], 'w') or '0') >= tonumber(ARGV[7]) then return 0 end
end
redis.call('del', KEYS[1])
redis.call('hset', KEYS[1], 'd', ARGV[1], 't', ARGV[2], 'u', ARGV[3], 'i', ARGV[4], 'w', ARGV[7])
redis.call('pexpire', KEYS[1], ARGV[5])
return 1`

/** TOUCH: KEYS[1] session; ARGV: t, ttl ms. Answers [sub, sid] of a session that exists, else nil. */
export const TOUCH = `
if redis.call('exists', KEYS[1]) == 0 then return nil end
redis.call('hset', KEYS[1], 't', ARGV[1])
redis.call('pexpire', KEYS[1], ARGV[2])
return redis.call('hmget', KEYS[1], 'u', 'i')`

/** DESTROY: KEYS[1] session. Deletes it and answers its [sub, sid, data] (each nil if it was gone). */
export const DESTROY = `
local fields = redis.call('hmget', KEYS[1], 'u', 'i', 'd')
redis.call('del', KEYS[1])
return fields`

/**
 * INDEX: KEYS[1] index set; ARGV: session id, ttl ms. Adds the session and extends the set's
 * TTL to the session's, never shortening it: the set lives as long as its longest session.
 */
export const INDEX = `
redis.call('sadd', KEYS[1], ARGV[1])
if redis.call('pttl', KEYS[1]) < tonumber(ARGV[2]) then redis.call('pexpire', KEYS[1], ARGV[2]) end
return 1`
