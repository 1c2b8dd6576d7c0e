import { OidcError } from '../errors.js'
import type { SessionData, SessionStore } from '../store.js'

type Callback<T = void> = (err?: unknown, value?: T) => void

/** What oidc-rp needs of an express-session store (connect-redis, connect-pg-simple, connect-mongo...). */
export interface ExpressSessionStoreLike {
  get(sid: string, callback: Callback<object | null>): void
  set(sid: string, session: StoredRecord, callback: Callback): void
  destroy(sid: string, callback: Callback): void
  all?(callback: Callback<Record<string, object> | object[] | null>): void
}

/** What the bridge writes: the session under `oidc`, and the `cookie` field such stores read their TTL from. */
export interface StoredRecord {
  oidc?: SessionData
  once?: true
  /** A revocation of bearer tokens: when it happened (epoch seconds). */
  revokedAt?: number
  cookie: { originalMaxAge: number; expires: Date; httpOnly: boolean; path: string }
}

/**
 * Uses an express-session–compatible store as oidc-rp's session store, so you keep the
 * store you already run. Records are `{ oidc: <session>, cookie: { expires, originalMaxAge } }`
 * (the `cookie` field is how such stores learn the TTL).
 *
 * What the bridge cannot give, because express-session stores do not offer it: a lock
 * (token refresh is single-flight within a process, not across processes: with several
 * processes, prefer @oidc-rp/redis), atomic one-time keys and rolling expiry (both are a
 * read then a write), and back-channel logout lookups unless the store has `all()` (a scan).
 */
export function expressSessionStore(store: ExpressSessionStoreLike, options: { prefix?: string } = {}): SessionStore {
  if (typeof store?.get !== 'function' || typeof store.set !== 'function' || typeof store.destroy !== 'function') {
    throw new OidcError(
      'invalid_options',
      'expressSessionStore() needs an express-session store (with get, set and destroy)',
    )
  }
  const prefix = options.prefix ?? 'oidc-rp:'
  const call = <T>(method: (callback: Callback<T>) => void) =>
    new Promise<T | undefined>((resolve, reject) =>
      method((err, value) =>
        err ? reject(err instanceof Error ? err : new Error('the session store failed')) : resolve(value),
      ),
    )
  const record = (
    value: { oidc: SessionData } | { once: true } | { revokedAt: number },
    ttl: number,
  ): StoredRecord => ({
    ...value,
    cookie: {
      originalMaxAge: Math.ceil(ttl * 1000),
      expires: new Date(Date.now() + ttl * 1000),
      httpOnly: true,
      path: '/',
    },
  })
  const sessionOf = (value: unknown): SessionData | undefined => {
    const oidc = typeof value === 'object' && value !== null ? (value as StoredRecord).oidc : undefined
    return typeof oidc === 'object' && oidc !== null ? oidc : undefined
  }
  const get = async (id: string) => sessionOf(await call<object | null>((cb) => store.get(prefix + id, cb)))
  const set = (id: string, session: SessionData, ttl: number) =>
    call((cb) => store.set(prefix + id, record({ oidc: session }, ttl), cb)).then(() => undefined)
  const scan = async (match: (session: SessionData) => boolean): Promise<string[]> => {
    const all = await call<Record<string, object> | object[] | null>((cb) => store.all!(cb))
    const entries = Array.isArray(all)
      ? all.map((s) => {
          const id = (s as { id?: unknown }).id
          return [typeof id === 'string' ? id : '', s] as const
        })
      : Object.entries(all ?? {})
    return entries
      .filter(([sid, s]) => sid.startsWith(prefix) && sessionOf(s) !== undefined && match(sessionOf(s)!))
      .map(([sid]) => sid.slice(prefix.length))
  }
  return {
    get,
    set,
    destroy: (id) => call((cb) => store.destroy(prefix + id, cb)).then(() => undefined),
    async touch(id, touchedAt, ttl) {
      const session = await get(id)
      if (session) await set(id, { ...session, touchedAt }, ttl)
    },
    async consumeOnce(key, ttl) {
      const sid = `${prefix}once:${key}`
      if (await call<object | null>((cb) => store.get(sid, cb))) return false
      await call((cb) => store.set(sid, record({ once: true }, ttl), cb))
      return true
    },
    async revoke(key, at, ttl) {
      await call((cb) => store.set(`${prefix}revoked:${key}`, record({ revokedAt: at }, ttl), cb))
    },
    async revokedAt(key) {
      const value = await call<object | null>((cb) => store.get(`${prefix}revoked:${key}`, cb))
      const at = typeof value === 'object' && value !== null ? (value as StoredRecord).revokedAt : undefined
      return typeof at === 'number' ? at : undefined
    },
    ...(typeof store.all === 'function'
      ? {
          findBySid: (sid: string) => scan((s) => s.sid === sid),
          findBySub: (sub: string) => scan((s) => s.sub === sub),
        }
      : {}),
  }
}
