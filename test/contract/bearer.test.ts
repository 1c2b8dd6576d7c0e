import { beforeEach, describe, expect, it } from 'vitest'
import { drivers } from './drivers.js'
import { useHarness, type Harness } from './harness.js'
import { mintIdToken } from './tokens.js'

async function call(harness: Harness, path: string, token: string, accept = 'application/json') {
  const response = await fetch(harness.url(path), {
    redirect: 'manual',
    headers: { authorization: `Bearer ${token}`, accept },
  })
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    cookies: response.headers.getSetCookie(),
    body: await response.text(),
  }
}

function expectInvalidToken(result: Awaited<ReturnType<typeof call>>): void {
  expect(result.status, result.body).toBe(401)
  expect(result.challenge).toMatch(/^Bearer realm="oidc-rp", error="invalid_token", error_description="[^"]+"$/)
  expect(result.cookies).toEqual([])
}

describe.each(drivers)('$name: bearer tokens', (driver) => {
  const harness = useHarness(driver)
  beforeEach(() => harness.startApp({ bearer: true }))

  it('ignores bearer tokens unless turned on: an ID token is no credential by default', async () => {
    await harness.startApp()
    const token = await mintIdToken(harness.rogue)
    const me = await call(harness, '/me', token)
    expect(me.status, me.body).toBe(401)
    expect(JSON.parse(me.body)).toMatchObject({ error: 'unauthenticated' })
    expect(harness.rogue.requests.jwks, 'the token is not even looked at').toBe(0)
  })

  it("accepts alice's ID token as a bearer token: her claims at /me, /admin allowed, no session created", async () => {
    const me = await call(harness, '/me', await mintIdToken(harness.rogue))
    expect(me.status, me.body).toBe(200)
    expect(JSON.parse(me.body)).toMatchObject({ sub: 'alice', groups: ['admins', 'developers'] })
    expect(me.cookies).toEqual([])
    expect((await call(harness, '/admin', await mintIdToken(harness.rogue))).status).toBe(200)
  })

  it('applies the guards unchanged: bob gets 403 at /admin', async () => {
    const token = await mintIdToken(harness.rogue, { claims: { sub: 'bob', groups: ['developers'] } })
    expect((await call(harness, '/me', token)).status).toBe(200)
    expect((await call(harness, '/admin', token)).status).toBe(403)
  })

  it('accepts ES256', async () => {
    expect((await call(harness, '/me', await mintIdToken(harness.rogue, { alg: 'ES256' }))).status).toBe(200)
  })

  it('caches a verified token: repeated calls do not fetch the JWKS again', async () => {
    const token = await mintIdToken(harness.rogue)
    expect((await call(harness, '/me', token)).status).toBe(200)
    const fetched = harness.rogue.requests.jwks
    for (let i = 0; i < 5; i += 1) expect((await call(harness, '/me', token)).status).toBe(200)
    expect(harness.rogue.requests.jwks).toBe(fetched)
  })

  const refusals: [string, (h: Harness) => Promise<string>][] = [
    [
      'a tampered token',
      async (h) => {
        const [head, body, sig] = (await mintIdToken(h.rogue)).split('.')
        const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>
        return [
          head,
          Buffer.from(JSON.stringify({ ...payload, groups: ['admins', 'root'] })).toString('base64url'),
          sig,
        ].join('.')
      },
    ],
    [
      'an expired token',
      (h) =>
        mintIdToken(h.rogue, {
          claims: { exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200 },
        }),
    ],
    ['a token for another audience', (h) => mintIdToken(h.rogue, { claims: { aud: 'another-client' } })],
    ['alg: none', (h) => mintIdToken(h.rogue, { alg: 'none' })],
    [
      "HS256 keyed with the provider's public key",
      (h) => mintIdToken(h.rogue, { alg: 'HS256', key: new TextEncoder().encode(h.rogue.keys.rs256.publicPem) }),
    ],
    [
      'HS256 with the client secret (HMAC bearer tokens are off by default)',
      (h) => mintIdToken(h.rogue, { alg: 'HS256', key: new TextEncoder().encode(h.rogue.clientSecret) }),
    ],
    [
      'a key that is not in the JWKS',
      (h) => mintIdToken(h.rogue, { key: h.rogue.keys.foreign.privateKey, kid: h.rogue.keys.foreign.kid }),
    ],
    ['another issuer', (h) => mintIdToken(h.rogue, { claims: { iss: 'https://evil.example' } })],
    ['no sub', (h) => mintIdToken(h.rogue, { claims: { sub: undefined } })],
    [
      'a logout token',
      (h) => mintIdToken(h.rogue, { claims: { events: { 'http://schemas.openid.net/event/backchannel-logout': {} } } }),
    ],
    ['a JWT access token when no audience is configured', (h) => mintIdToken(h.rogue, { header: { typ: 'at+jwt' } })],
    ['something that is not a JWT', () => Promise.resolve('not-a-jwt')],
  ]

  it.each(refusals)('refuses %s with 401 and an RFC 6750 challenge, never a redirect', async (_name, make) => {
    const token = await make(harness)
    expectInvalidToken(await call(harness, '/me', token))
    expectInvalidToken(await call(harness, '/me', token, 'text/html'))
  })

  it('accepts HS256 ID tokens when allowHmac is set', async () => {
    await harness.startApp({ bearer: { allowHmac: true } })
    const token = await mintIdToken(harness.rogue, {
      alg: 'HS256',
      key: new TextEncoder().encode(harness.rogue.clientSecret),
    })
    expect((await call(harness, '/me', token)).status).toBe(200)
  })

  it('accepts a JWT access token (RFC 9068) for a configured audience, and refuses one for another', async () => {
    await harness.startApp({ bearer: { audience: 'https://api.example.com' } })
    const good = await mintIdToken(harness.rogue, {
      header: { typ: 'at+jwt' },
      claims: { aud: 'https://api.example.com', client_id: 'svc' },
    })
    expect((await call(harness, '/me', good)).status).toBe(200)
    const other = await mintIdToken(harness.rogue, {
      header: { typ: 'at+jwt' },
      claims: { aud: 'https://other.example.com' },
    })
    expectInvalidToken(await call(harness, '/me', other))
  })

  it('accepts access tokens typed JWT or untyped for a configured audience only with jwtAccessTokens, with their scope and roles', async () => {
    const audience = 'https://api.example.com'
    const claims = { aud: audience, scope: 'orders:read orders:write', roles: ['Orders.Admin'], azp: 'svc' }
    const typedJwt = await mintIdToken(harness.rogue, { header: { typ: 'JWT' }, claims })
    const untyped = await mintIdToken(harness.rogue, { header: { typ: undefined }, claims })
    await harness.startApp({ bearer: { audience } })
    expectInvalidToken(await call(harness, '/me', typedJwt))
    await harness.startApp({ bearer: { audience, jwtAccessTokens: true } })
    for (const token of [typedJwt, untyped]) {
      const result = await call(harness, '/me', token)
      expect(result.status).toBe(200)
      expect(JSON.parse(result.body)).toMatchObject({
        sub: expect.any(String) as unknown,
        scope: 'orders:read orders:write',
        roles: ['Orders.Admin'],
      })
    }
    const refused = [
      await mintIdToken(harness.rogue, {
        header: { typ: 'JWT' },
        claims: { ...claims, aud: 'https://other.example.com' },
      }),
      await mintIdToken(harness.rogue, { header: { typ: 'JWT' }, claims: { ...claims, iss: 'https://evil.example' } }),
      await mintIdToken(harness.rogue, {
        header: { typ: 'JWT' },
        claims: { ...claims, exp: Math.floor(Date.now() / 1000) - 3600 },
      }),
      await mintIdToken(harness.rogue, {
        alg: 'HS256',
        key: new TextEncoder().encode(harness.rogue.clientSecret),
        header: { typ: 'JWT' },
        claims,
      }),
    ]
    for (const token of refused) expectInvalidToken(await call(harness, '/me', token))
  })

  it('ignores bearer tokens when turned off', async () => {
    await harness.startApp({ bearer: false })
    const result = await call(harness, '/me', await mintIdToken(harness.rogue))
    expect(result.status).toBe(401)
    expect(result.challenge).toBe('Bearer realm="oidc-rp"')
  })
})
