import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { deflateRawSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../src/config/resolve.js'
import { OidcError } from '../src/errors.js'
import { CookieSessions, SESSION_COOKIE_BUDGET } from '../src/session/cookie-sessions.js'
import type { Cookies } from '../src/session/backend.js'
import type { Claims } from '../src/identity.js'
import type { SessionData } from '../src/store.js'

const secret = 'cookie-sessions-test-secret-0123456789'

function setup() {
  const warnings: string[] = []
  const config = resolveConfig(
    {
      issuer: 'http://127.0.0.1:9',
      clientId: 'client',
      clientSecret: 'client-secret-0123456789abcdef',
      baseURL: 'http://127.0.0.1:3000',
      secret,
      authRequired: false,
      session: { stateless: true },
      logger: { warn: (message) => warnings.push(message), error: () => {} },
    },
    {},
  )
  return { sessions: new CookieSessions(config), warnings }
}

/** The Set-Cookie headers one call writes, and the cookies a browser then holds. */
function browser(initial: Cookies = {}) {
  const jar: Cookies = { ...initial }
  let written: string[] = []
  const setCookie = (header: string) => {
    written.push(header)
    const [pair = ''] = header.split(';')
    const name = pair.slice(0, pair.indexOf('='))
    if (/Max-Age=0(;|$)/.test(header)) delete jar[name]
    else jar[name] = pair.slice(pair.indexOf('=') + 1)
  }
  const take = () => {
    const out = written
    written = []
    return out
  }
  return { jar, setCookie, take }
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const jwt = (payload: Record<string, unknown>) =>
  `${b64({ alg: 'RS256', kid: 'k1', typ: 'JWT' })}.${b64(payload)}.${randomBytes(256).toString('base64url')}`
const t = () => Math.floor(Date.now() / 1000)

function session(
  payload: Record<string, unknown>,
  claims: Claims = payload as Claims,
  fields: Partial<SessionData> = {},
): SessionData {
  const now = t()
  return {
    sub: claims.sub,
    claims,
    idToken: jwt(payload),
    idTokenExpiresAt: now + 3600,
    accessToken: jwt({ iss: 'http://127.0.0.1:9', sub: claims.sub, scope: 'openid', exp: now + 3600 }),
    tokenType: 'bearer',
    accessTokenExpiresAt: now + 3600,
    refreshToken: randomBytes(24).toString('base64url'),
    scope: 'openid email',
    tokensAt: now,
    createdAt: now,
    touchedAt: now,
    sid: 'provider-sid',
    ...fields,
  }
}

const idClaims = (extra: Record<string, unknown> = {}) => ({
  iss: 'http://127.0.0.1:9',
  sub: 'alice',
  aud: 'client',
  exp: t() + 3600,
  iat: t(),
  nonce: randomBytes(32).toString('base64url'),
  email: 'alice@example.com',
  name: 'Alice',
  groups: ['admins', 'developers'],
  ...extra,
})

const groups = (count: number) =>
  Array.from({ length: count }, (_, i) => `group-${String(i).padStart(4, '0')}-engineering`)

describe('CookieSessions: what is stored comes back exactly', () => {
  it("reads back tokens and claims as they were, claims in order, the ID token's own not stored twice", async () => {
    const { sessions } = setup()
    const payload = idClaims()
    // Userinfo added a claim and replaced one; the callback dropped one the token has.
    const { email: _dropped, ...kept } = payload
    const claims: Claims = { ...kept, name: 'Alice From Userinfo', picture: 'https://example.com/a.png' }
    const data = session({ ...payload, groups: groups(200) }, { ...claims, groups: groups(200) })
    const b = browser()
    const ref = await sessions.create(data, b.jar, b.setCookie)
    expect(b.take()).toHaveLength(1)
    const loaded = await readBack(sessions, b.jar)
    expect(loaded?.id).toBe(ref.id)
    expect(loaded?.data).toEqual(data)
    expect(Object.keys(loaded!.data.claims)).toEqual(Object.keys(data.claims))
    expect(loaded?.data.claims).not.toHaveProperty('email')
  })

  it('stores the claims the ID token holds once: they add almost nothing to the cookie', async () => {
    const { sessions } = setup()
    const payload = idClaims({ groups: groups(200) })
    const size = async (claims: Claims) => {
      const b = browser()
      await sessions.create({ ...session(payload), claims }, b.jar, b.setCookie)
      return Object.values(b.jar).reduce((sum, value) => sum + value!.length, 0)
    }
    expect((await size(payload as Claims)) - (await size({ sub: 'alice' }))).toBeLessThan(150)
  })

  it('never brings back a claim the callback refused, such as __proto__', async () => {
    const { sessions } = setup()
    const payload = JSON.parse(
      `{"iss":"http://127.0.0.1:9","sub":"alice","aud":"client","__proto__":{"admin":true},"groups":["a"]}`,
    ) as Record<string, unknown>
    const claims = { iss: 'http://127.0.0.1:9', sub: 'alice', aud: 'client', groups: ['a'] } as Claims
    const b = browser()
    await sessions.create(session(payload, claims), b.jar, b.setCookie)
    const loaded = await readBack(sessions, b.jar)
    expect(loaded?.data.claims).toEqual(claims)
    expect(Object.getPrototypeOf(loaded!.data.claims)).toBe(Object.prototype)
    expect((loaded!.data.claims as Record<string, unknown>)['admin']).toBeUndefined()
  })

  it.each([
    ['an opaque token', 'opaque-token-value'],
    ['a JWE (five parts)', 'eyJhbGciOiJSU0EtT0FFUCJ9.a2V5.aXY.Y2lwaGVy.dGFn'],
    ['non-canonical base64url', `${b64({ alg: 'none' })}.eyJzdWIiOiJhbGljZSJ9X.c2ln`],
    ['a payload that is not JSON', `${b64({ alg: 'HS256' })}.${Buffer.from('hello').toString('base64url')}.c2ln`],
    ['an unsigned JWT (empty signature)', `${b64({ alg: 'none' })}.${b64({ sub: 'alice' })}.`],
    ['a token with characters outside base64url', 'abc+/def=='],
    ['an empty token', ''],
  ])('keeps %s as it is', async (_what, token) => {
    const { sessions } = setup()
    const claims = { sub: 'alice', name: 'Alice' } as Claims
    const data = { ...session(idClaims(), claims), idToken: token, accessToken: token, refreshToken: token }
    const b = browser()
    await sessions.create(data, b.jar, b.setCookie)
    expect((await readBack(sessions, b.jar))?.data).toEqual(data)
  })

  it('reads a session written before packing ({ id, data })', async () => {
    const { sessions } = setup()
    const data = session(idClaims())
    const key = Buffer.from(hkdfSync('sha256', secret, '', 'oidc-rp session cookie v1', 32))
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', key, iv)
    cipher.setAAD(Buffer.from('oidc.session'))
    const body = Buffer.concat([
      cipher.update(deflateRawSync(JSON.stringify({ id: 'legacy-id', data }))),
      cipher.final(),
    ])
    const value = Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')
    const loaded = await readBack(sessions, { 'oidc.session.0': value })
    expect(loaded).toEqual({ id: 'legacy-id', data })
  })
})

describe('CookieSessions: the budget', () => {
  it('never writes more chunks than it reads, nor a cookie or a total over the budget', async () => {
    const { sessions } = setup()
    for (const count of [0, 100, 300, 500, 700, 900, 1100, 1300]) {
      const b = browser()
      const payload = idClaims({ groups: groups(count) })
      try {
        await sessions.create(session(payload), b.jar, b.setCookie)
      } catch (err) {
        expect(err, `${count} groups`).toMatchObject({ code: 'session_too_large' })
      }
      const written = b.take()
      for (const header of written) expect(header.length).toBeLessThan(3700)
      const names = Object.keys(b.jar)
      expect(names.length, `${count} groups`).toBeLessThanOrEqual(2)
      expect(names.reduce((sum, name) => sum + name.length + 1 + b.jar[name]!.length + 2, 0)).toBeLessThanOrEqual(
        SESSION_COOKIE_BUDGET,
      )
      // Whatever was written is read back whole.
      if (names.length > 0) expect((await readBack(sessions, b.jar))?.data.claims['groups']).toHaveLength(count)
    }
  })

  it('refuses a session that does not fit at sign-in, naming the fix, and clears the chunks of the previous one', async () => {
    const { sessions } = setup()
    // Chunks of an earlier session, one of them written by a version without a bound.
    const b = browser({ 'oidc.session.0': 'old', 'oidc.session.1': 'old', 'oidc.session.12': 'old', other: 'app' })
    const attempt = sessions.create(session(idClaims({ groups: groups(1500) })), b.jar, b.setCookie)
    await expect(attempt).rejects.toBeInstanceOf(OidcError)
    await expect(attempt).rejects.toMatchObject({
      code: 'session_too_large',
      status: 500,
      expose: true,
      message: expect.stringMatching(/does not fit in cookies \(budget 5000 bytes\).*server-side session store/),
    })
    expect(b.take().every((header) => /Max-Age=0/.test(header))).toBe(true)
    expect(b.jar).toEqual({ other: 'app' })
  })

  it('ends a session that grows past the budget when saved: cleared, refused afterwards, a warning logged', async () => {
    const { sessions, warnings } = setup()
    const b = browser()
    const ref = await sessions.create(session(idClaims()), b.jar, b.setCookie)
    const before = { ...b.jar }
    b.take()
    ref.data = session(idClaims({ groups: groups(1500) }))
    await expect(sessions.save(ref, b.setCookie)).rejects.toMatchObject({ code: 'session_ended' })
    expect(b.take().every((header) => /Max-Age=0/.test(header))).toBe(true)
    expect(b.jar).toEqual({})
    expect(warnings).toEqual([
      expect.stringMatching(
        /grew to \d+ bytes when its tokens were refreshed, over the cookie budget of 5000 bytes: session ended/,
      ),
    ])
    // A copy of the cookie from before is refused in this process.
    expect(await readBack(sessions, before)).toBeUndefined()
    // Destroying it afterwards (as the refresher does) clears nothing more.
    const after = browser()
    await sessions.destroy(ref, after.setCookie)
    expect(after.take()).toEqual([])
  })

  it('refuses more chunks than it writes, clearing all of them', async () => {
    const { sessions } = setup()
    const b = browser()
    await sessions.create(session(idClaims({ groups: groups(700) })), b.jar, b.setCookie)
    expect(Object.keys(b.jar)).toEqual(['oidc.session.0', 'oidc.session.1'])
    b.take()
    b.jar['oidc.session.2'] = 'stuffed'
    b.jar['oidc.session.20'] = 'stuffed'
    // Chunks 0 and 1 are read (and decrypt: extra chunks are not read at all).
    expect(await sessions.load(b.jar, b.setCookie)).toBeDefined()
    // A value split over more chunks than are read does not decrypt: every chunk is cleared.
    const c = browser({
      'oidc.session.0': b.jar['oidc.session.0']!.slice(0, 100),
      'oidc.session.1': 'x',
      'oidc.session.2': 'y',
      'oidc.session.20': 'z',
    })
    expect(await sessions.load(c.jar, c.setCookie)).toBeUndefined()
    expect(c.jar).toEqual({})
  })

  it('writes nothing when a session is read that needs no touch', async () => {
    const { sessions } = setup()
    const b = browser()
    await sessions.create(session(idClaims()), b.jar, b.setCookie)
    b.take()
    expect(await sessions.load(b.jar, b.setCookie)).toBeDefined()
    expect(b.take()).toEqual([])
  })
})

async function readBack(sessions: CookieSessions, jar: Cookies) {
  return sessions.load(jar, () => {})
}
