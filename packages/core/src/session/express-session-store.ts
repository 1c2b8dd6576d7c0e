import type { SessionData, SessionStore } from './store.js'

type Callback<T = void> = (err?: unknown, value?: T) => void

/** What oidc-rp needs of an express-session store (connect-redis, connect-pg-simple, connect-mongo...). */
export interface ExpressSessionStoreLike {
  get(sid: string, callback: Callback<Record<string, unknown> | null>): void
  set(sid: string, session: Record<string, unknown>, callback: Callback): void
  destroy(sid: string, callback: Callback): void
  all?(callback: Callback<Record<string, Record<string, unknown>> | Array<Record<string, unknown>> | null>): void
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
    throw new TypeError('expressSessionStore() needs an express-session store (with get, set and destroy)')
  }
  const prefix = options.prefix ?? 'oidc-rp:'
  const call = <T>(method: (callback: Callback<T>) => void) =>
    new Promise<T | undefined>((resolve, reject) => method((err, value) => (err ? reject(err) : resolve(value))))
  const record = (value: Record<string, unknown>, ttl: number) => ({
    ...value,
    cookie: { originalMaxAge: Math.ceil(ttl * 1000), expires: new Date(Date.now() + ttl * 1000).toISOString(), httpOnly: true, path: '/' },
  })
  const get = async (id: string) => ((await call<Record<string, unknown> | null>((cb) => store.get(prefix + id, cb)))?.oidc as SessionData | undefined) ?? undefined
  const set = (id: string, session: SessionData, ttl: number) => call((cb) => store.set(prefix + id, record({ oidc: session }, ttl), cb)).then(() => undefined)
  const scan = async (match: (session: SessionData) => boolean): Promise<string[]> => {
    const all = await call<Record<string, Record<string, unknown>> | Array<Record<string, unknown>> | null>((cb) => store.all!(cb))
    const entries = Array.isArray(all) ? all.map((s) => [String(s.id ?? ''), s] as const) : Object.entries(all ?? {})
    return entries
      .filter(([sid, s]) => sid.startsWith(prefix) && typeof s.oidc === 'object' && s.oidc !== null && match(s.oidc as SessionData))
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
      if (await call<Record<string, unknown> | null>((cb) => store.get(sid, cb))) return false
      await call((cb) => store.set(sid, record({ once: true }, ttl), cb))
      return true
    },
    ...(typeof store.all === 'function'
      ? { findBySid: (sid: string) => scan((s) => s.sid === sid), findBySub: (sub: string) => scan((s) => s.sub === sub) }
      : {}),
  }
}
