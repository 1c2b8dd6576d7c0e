import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider'

interface Entry {
  payload: AdapterPayload
  /** Epoch milliseconds; Infinity when the model gave no lifetime. */
  expiresAt: number
}

/** Models whose records belong to a grant and go when the grant is revoked. */
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
])

const SWEEP_EVERY = 256

/**
 * In-memory storage for one provider: unbounded (oidc-provider's own memory adapter is an LRU
 * of 1,000 entries, which a long test run can overflow), expiring by TTL, and handing out
 * copies so that nothing outside a save can change a stored record, as with a real database.
 */
export class MemoryStore {
  readonly #entries = new Map<string, Entry>()
  readonly #grants = new Map<string, Set<string>>()
  readonly #sessionUids = new Map<string, string>()
  readonly #userCodes = new Map<string, string>()
  readonly #clockTolerance: number
  #writes = 0

  constructor(clockToleranceSeconds: number) {
    this.#clockTolerance = clockToleranceSeconds
  }

  readonly adapter: AdapterFactory = (model) => this.#adapterFor(model)

  /** Every live session record whose `accountId` is the given user. */
  sessionsOf(accountId: string): AdapterPayload[] {
    const sessions: AdapterPayload[] = []
    for (const key of [...this.#entries.keys()]) {
      if (!key.startsWith('Session:')) continue
      const payload = this.#get(key)
      if (payload?.accountId === accountId) sessions.push(payload)
    }
    return sessions
  }

  #adapterFor(model: string): Adapter {
    const key = (id: string) => `${model}:${id}`
    return {
      upsert: async (id, payload, expiresIn) => {
        this.#delete(key(id))
        const expiresAt =
          typeof expiresIn === 'number' ? Date.now() + (expiresIn + this.#clockTolerance) * 1000 : Infinity
        this.#entries.set(key(id), { payload: structuredClone(payload), expiresAt })
        if (model === 'Session' && payload.uid) this.#sessionUids.set(payload.uid, id)
        if (payload.userCode) this.#userCodes.set(payload.userCode, id)
        if (GRANTABLE.has(model) && payload.grantId) {
          const members = this.#grants.get(payload.grantId) ?? new Set<string>()
          members.add(key(id))
          this.#grants.set(payload.grantId, members)
        }
        if (++this.#writes % SWEEP_EVERY === 0) this.#sweep()
      },
      find: async (id) => this.#get(key(id)),
      findByUid: async (uid) => {
        const id = this.#sessionUids.get(uid)
        return id === undefined ? undefined : this.#get(key(id))
      },
      findByUserCode: async (userCode) => {
        const id = this.#userCodes.get(userCode)
        return id === undefined ? undefined : this.#get(key(id))
      },
      consume: async (id) => {
        const entry = this.#entries.get(key(id))
        if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000)
      },
      destroy: async (id) => {
        this.#delete(key(id))
      },
      revokeByGrantId: async (grantId) => {
        for (const member of this.#grants.get(grantId) ?? []) this.#delete(member)
        this.#grants.delete(grantId)
      },
    }
  }

  #get(key: string): AdapterPayload | undefined {
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    if (entry.expiresAt <= Date.now()) {
      this.#delete(key)
      return undefined
    }
    return structuredClone(entry.payload)
  }

  #delete(key: string): void {
    const entry = this.#entries.get(key)
    if (!entry) return
    this.#entries.delete(key)
    const { uid, userCode, grantId } = entry.payload
    const id = key.slice(key.indexOf(':') + 1)
    if (key.startsWith('Session:') && uid && this.#sessionUids.get(uid) === id) this.#sessionUids.delete(uid)
    if (userCode && this.#userCodes.get(userCode) === id) this.#userCodes.delete(userCode)
    if (grantId) {
      const members = this.#grants.get(grantId)
      members?.delete(key)
      if (members?.size === 0) this.#grants.delete(grantId)
    }
  }

  #sweep(): void {
    const now = Date.now()
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#delete(key)
  }
}
