import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../src/config/resolve.js'
import { MemoryStore, RelyingParty, type HandleResult, type SessionData } from '../src/index.js'
import { safeReturnTo } from '../src/protocol/return-to.js'
import { groupsFromClaims } from '../src/session/groups.js'
import { CookieSigner } from '../src/http/cookies.js'
import { LoginTransactions } from '../src/protocol/transaction.js'

const base = new URL('http://127.0.0.1:3000')

describe('returnTo', () => {
  it.each([
    ['https://evil.example/x'],
    ['//evil.example'],
    ['/\\evil.example'],
    ['javascript:alert(1)'],
    ['/\t/evil.example'],
    ['\\/evil.example'],
    ['evil'],
    [''],
    [undefined],
    [['/a']],
  ])('%j lands on /', (value) => {
    expect(safeReturnTo(value, base)).toBe('/')
  })

  it('keeps same-origin paths with query and fragment', () => {
    expect(safeReturnTo('/me?x=1#top', base)).toBe('/me?x=1#top')
  })
})

describe('groups', () => {
  it('reads plain, dotted and namespaced claims', () => {
    expect(groupsFromClaims({ sub: 'a', groups: ['x', 1, 'y'] }, 'groups')).toEqual(['x', 'y'])
    expect(groupsFromClaims({ sub: 'a', realm_access: { roles: ['admins'] } }, 'realm_access.roles')).toEqual([
      'admins',
    ])
    expect(groupsFromClaims({ sub: 'a', 'https://example.com/groups': ['ns'] }, 'https://example.com/groups')).toEqual([
      'ns',
    ])
    expect(groupsFromClaims({ sub: 'a', groups: 'solo' }, 'groups')).toEqual(['solo'])
    expect(groupsFromClaims({ sub: 'a' }, 'groups')).toEqual([])
  })
})

describe('cookie signing', () => {
  it('verifies with every secret, so secrets rotate, and refuses tampering', () => {
    const old = new CookieSigner(['o'.repeat(32)])
    const rotated = new CookieSigner(['n'.repeat(32), 'o'.repeat(32)])
    const signed = old.sign('session-id')
    expect(rotated.unsign(signed)).toBe('session-id')
    expect(rotated.unsign(signed.slice(0, -1) + (signed.endsWith('A') ? 'B' : 'A'))).toBeUndefined()
    expect(new CookieSigner(['z'.repeat(32)]).unsign(signed)).toBeUndefined()
  })

  it('refuses a transaction whose payload was altered', async () => {
    const config = resolveConfig(
      { issuer: 'https://id.example.com', clientId: 'app', baseURL: 'https://app.example.com', secret: 'k'.repeat(32) },
      {},
    )
    const transactions = new LoginTransactions(config, new CookieSigner(config.secrets))
    const tx = {
      state: 's'.repeat(43),
      nonce: 'n',
      codeVerifier: 'v',
      returnTo: '/',
      createdAt: Math.floor(Date.now() / 1000),
    }
    const written: string[] = []
    transactions.start(tx, {}, (header) => written.push(header))
    const [name, value] = written[0].split(';')[0].split('=') as [string, string]
    const unused = async () => true
    expect(await transactions.consume(tx.state, { [name]: value }, () => {}, unused)).toEqual(tx)
    const mac = value.slice(value.lastIndexOf('.') + 1)
    const forged = Buffer.from(JSON.stringify({ ...tx, returnTo: 'https://evil.example' })).toString('base64url')
    await expect(transactions.consume(tx.state, { [name]: `${forged}.${mac}` }, () => {}, unused)).rejects.toThrow(
      /not valid/,
    )
  })
})

describe('MemoryStore', () => {
  const session = (sub: string): SessionData => ({
    sub,
    claims: { sub },
    idToken: 't',
    idTokenExpiresAt: 0,
    tokensAt: 0,
    createdAt: 0,
    touchedAt: 0,
  })

  it('stays within its bound, dropping the least recently written', async () => {
    const store = new MemoryStore({ max: 3 })
    for (const id of ['a', 'b', 'c', 'd']) await store.set(id, session(id), 60)
    expect(store.size).toBe(3)
    expect(await store.get('a')).toBeUndefined()
    expect((await store.get('d'))?.sub).toBe('d')
  })

  it('forgets sessions after their TTL', async () => {
    const store = new MemoryStore()
    await store.set('a', session('a'), 0.01)
    await new Promise((r) => setTimeout(r, 30))
    expect(await store.get('a')).toBeUndefined()
  })

  it('consumes a key once', async () => {
    const store = new MemoryStore()
    expect(await store.consumeOnce('tx:1', 60)).toBe(true)
    expect(await store.consumeOnce('tx:1', 60)).toBe(false)
  })
})

describe('RelyingParty.handle() from memory', () => {
  const secret = 'handle-test-secret-0123456789abcdef'
  const setup = () => {
    const store = new MemoryStore()
    const rp = new RelyingParty(
      {
        issuer: 'http://127.0.0.1:9',
        clientId: 'client',
        clientSecret: 'client-secret-0123456789abcdef',
        baseURL: 'http://127.0.0.1:3000',
        secret,
        authRequired: false,
        session: { store },
      },
      {},
    )
    const request = (id?: string) => ({
      method: 'GET',
      url: '/me',
      headers: id ? { cookie: `oidc.session=${new CookieSigner([secret]).sign(id)}` } : {},
    })
    return { store, rp, request }
  }
  const session = (touchedAt: number): SessionData => {
    const t = Math.floor(Date.now() / 1000)
    return {
      sub: 'alice',
      claims: { sub: 'alice', name: 'Alice' },
      idToken: 'x',
      idTokenExpiresAt: t + 3600,
      accessToken: 'a',
      accessTokenExpiresAt: t + 3600,
      tokensAt: t,
      createdAt: t,
      touchedAt,
    }
  }

  it('answers a session the store holds at once, and a request without a session cookie', () => {
    const { store, rp, request } = setup()
    void store.set('s1', session(Math.floor(Date.now() / 1000)), 3600)
    const signedIn = rp.handle(request('s1'), () => {})
    expect(signedIn).not.toBeInstanceOf(Promise)
    expect((signedIn as HandleResult).context?.user).toEqual({ sub: 'alice', name: 'Alice' })
    const anonymous = rp.handle(request(), () => {})
    expect(anonymous).not.toBeInstanceOf(Promise)
    expect((anonymous as HandleResult).context?.isAuthenticated()).toBe(false)
  })

  it('takes the full path when the session needs a touch, or is not in the store', async () => {
    const { store, rp, request } = setup()
    const hourAgo = Math.floor(Date.now() / 1000) - 3600
    await store.set('s1', session(hourAgo), 3600)
    const touched = rp.handle(request('s1'), () => {})
    expect(touched).toBeInstanceOf(Promise)
    expect((await touched).context?.isAuthenticated()).toBe(true)
    expect(store.peek('s1')!.touchedAt).toBeGreaterThan(hourAgo)

    const cleared: string[] = []
    const unknown = rp.handle(request('gone'), (cookie) => cleared.push(cookie))
    expect(unknown).toBeInstanceOf(Promise)
    expect((await unknown).context?.isAuthenticated()).toBe(false)
    expect(cleared.join()).toMatch(/^oidc\.session=;/)
  })
})
