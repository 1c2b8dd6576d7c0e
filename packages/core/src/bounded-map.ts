/**
 * The one eviction idiom of the core's bounded maps (caches, one-time keys, revocations,
 * back-offs): a Map's order is its insertion order, so the entry set last goes last and
 * the oldest are forgotten first. Plain Maps, no wrapper: entries cost what they did.
 */

/**
 * Sets `key` as the newest entry of `map`, then forgets the oldest entries while there are
 * more than `max`, or while the oldest is `stale` (entries are set in the order they go
 * stale). `forgotten` hears of each entry forgotten.
 */
export function setNewest<K, V>(
  map: Map<K, V>,
  key: K,
  value: V,
  max: number,
  stale?: (value: V) => boolean,
  forgotten?: (key: K, value: V) => void,
): void {
  map.delete(key)
  map.set(key, value)
  for (const [oldest, entry] of map) {
    if (map.size <= max && (stale === undefined || !stale(entry))) break
    map.delete(oldest)
    forgotten?.(oldest, entry)
  }
}
