import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import type { JWTPayload } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OidcError } from '@oidc-rp/core'
import { CookieJar } from '../src/cookie-jar.js'
import { startDevProvider } from '../src/index.js'
import type { DevProvider } from '../src/index.js'
import {
  CLIENT_ID,
  CLIENT_SECRET,
  REDIRECT_URI,
  authorize,
  exchange,
  hop,
  refresh,
  startLogoutReceiver,
  tokenRequest,
} from './helpers.js'

let provider: DevProvider
let jwks: ReturnType<typeof createRemoteJWKSet>

async function verifyIdToken(token: unknown, clientId = CLIENT_ID): Promise<JWTPayload> {
  if (typeof token !== 'string') throw new Error('no id_token')
  const { payload } = await jwtVerify(token, jwks, { issuer: provider.issuer, audience: clientId })
  return payload
}

/** What a bad option throws: `OidcError('invalid_options')`, its message naming the option. */
const invalidOption = (message: RegExp): unknown =>
  expect.objectContaining({ name: 'OidcError', code: 'invalid_options', message: expect.stringMatching(message) })

beforeAll(async () => {
  provider = await startDevProvider({
    clients: [
      { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
      { clientId: 'public-spa' },
      { clientId: 'rp-ps256', clientSecret: 'ps256-secret-0123456789-0123456789', idTokenSigningAlg: 'PS256' },
      { clientId: 'rp-es256', clientSecret: 'es256-secret-0123456789-0123456789', idTokenSigningAlg: 'ES256' },
      { clientId: 'rp-eddsa', clientSecret: 'eddsa-secret-0123456789-0123456789', idTokenSigningAlg: 'EdDSA' },
      { clientId: 'rp-hs256', clientSecret: 'hs256-secret-0123456789-0123456789-abcdef', idTokenSigningAlg: 'HS256' },
      {
        clientId: 'rp-post',
        clientSecret: 'post-secret-0123456789-0123456789',
        tokenEndpointAuthMethod: 'client_secret_post',
      },
      {
        clientId: 'rp-exact',
        clientSecret: 'exact-secret-0123456789-0123456789',
        redirectUris: ['https://app.example.com/callback'],
      },
    ],
  })
  jwks = createRemoteJWKSet(new URL(`${provider.issuer}/jwks`))
})

afterAll(async () => {
  await provider.close()
})

describe('discovery', () => {
  it('advertises the endpoints and capabilities an RP needs', async () => {
    expect(provider.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const response = await fetch(`${provider.issuer}/.well-known/openid-configuration`)
    expect(response.status).toBe(200)
    const doc = (await response.json()) as Record<string, unknown>
    expect(doc).toMatchObject({
      issuer: provider.issuer,
      jwks_uri: `${provider.issuer}/jwks`,
      authorization_endpoint: `${provider.issuer}/auth`,
      token_endpoint: `${provider.issuer}/token`,
      end_session_endpoint: `${provider.issuer}/session/end`,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
      authorization_response_iss_parameter_supported: true,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
    })
    expect(doc['id_token_signing_alg_values_supported']).toEqual(
      expect.arrayContaining(['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256']),
    )
    expect(doc['scopes_supported']).toEqual(
      expect.arrayContaining(['openid', 'profile', 'email', 'groups', 'offline_access']),
    )
    expect(doc['claims_supported']).toEqual(
      expect.arrayContaining(['sub', 'name', 'email', 'email_verified', 'preferred_username', 'groups', 'sid']),
    )
  })

  it('publishes RSA, P-256 and Ed25519 public keys only', async () => {
    const { keys } = (await (await fetch(`${provider.issuer}/jwks`)).json()) as { keys: Record<string, unknown>[] }
    expect(keys.map((k) => k['kty']).sort()).toEqual(['EC', 'OKP', 'RSA'])
    for (const key of keys) {
      expect(key['kid']).toEqual(expect.any(String))
      expect(key['d']).toBeUndefined()
    }
  })
})

describe('authorization code flow', () => {
  it('signs a user in through the login page and returns Dex-like claims in the ID token', async () => {
    const authorized = await authorize(provider, { user: 'alice' })
    expect(authorized.iss).toBe(provider.issuer)
    const tokens = await exchange(provider, authorized)
    expect(tokens.status).toBe(200)
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'openid profile email' })
    expect(tokens.body['refresh_token']).toEqual(expect.any(String))
    expect(tokens.body['access_token']).toEqual(expect.any(String))
    const claims = await verifyIdToken(tokens.body['id_token'])
    expect(claims).toMatchObject({
      sub: 'alice',
      name: 'Alice Admin',
      preferred_username: 'alice',
      email: 'alice@example.com',
      email_verified: true,
      groups: ['admins', 'developers'],
      nonce: authorized.nonce,
    })
    expect(claims['sid']).toEqual(expect.any(String))
    expect(decodeProtectedHeader(String(tokens.body['id_token'])).alg).toBe('RS256')
  })

  it('gives groups without email for scope "openid groups", and nothing extra for "openid"', async () => {
    const groupsOnly = await verifyIdToken(
      (await exchange(provider, await authorize(provider, { scope: 'openid groups', user: 'bob' }))).body['id_token'],
    )
    expect(groupsOnly).toMatchObject({ sub: 'bob', groups: ['developers'] })
    expect(groupsOnly['email']).toBeUndefined()
    expect(groupsOnly['name']).toBeUndefined()
    const bare = await verifyIdToken(
      (await exchange(provider, await authorize(provider, { scope: 'openid', user: 'carol' }))).body['id_token'],
    )
    expect(bare['sub']).toBe('carol')
    expect(bare['groups']).toBeUndefined()
  })

  it('signs ID tokens with the algorithm each client registered', async () => {
    for (const [clientId, alg] of [
      ['rp-ps256', 'PS256'],
      ['rp-es256', 'ES256'],
      ['rp-eddsa', 'EdDSA'],
    ] as const) {
      const secret = `${alg.toLowerCase()}-secret-0123456789-0123456789`
      const tokens = await exchange(provider, await authorize(provider, { clientId }), {
        clientId,
        clientSecret: secret,
      })
      expect(tokens.status).toBe(200)
      expect(decodeProtectedHeader(String(tokens.body['id_token'])).alg).toBe(alg)
      expect((await verifyIdToken(tokens.body['id_token'], clientId))['sub']).toBe('alice')
    }
    const secret = 'hs256-secret-0123456789-0123456789-abcdef'
    const tokens = await exchange(provider, await authorize(provider, { clientId: 'rp-hs256' }), {
      clientId: 'rp-hs256',
      clientSecret: secret,
    })
    const { payload, protectedHeader } = await jwtVerify(
      String(tokens.body['id_token']),
      new TextEncoder().encode(secret),
      {
        issuer: provider.issuer,
        audience: 'rp-hs256',
      },
    )
    expect(protectedHeader.alg).toBe('HS256')
    expect(payload['groups']).toEqual(['admins', 'developers'])
  })

  it('supports client_secret_post and public clients (token_endpoint_auth_method none)', async () => {
    const authorized = await authorize(provider, { clientId: 'rp-post' })
    const response = await fetch(`${provider.issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: authorized.code,
        redirect_uri: authorized.redirectUri,
        code_verifier: authorized.verifier,
        client_id: 'rp-post',
        client_secret: 'post-secret-0123456789-0123456789',
      }),
    })
    expect(response.status).toBe(200)

    const publicTokens = await exchange(provider, await authorize(provider, { clientId: 'public-spa' }), {
      clientId: 'public-spa',
      clientSecret: undefined,
    })
    expect(publicTokens.status).toBe(200)
    expect(publicTokens.body['refresh_token']).toEqual(expect.any(String))
  })

  it('refuses a wrong code_verifier and a reused code', async () => {
    const authorized = await authorize(provider)
    const wrong = await exchange(provider, { ...authorized, verifier: 'x'.repeat(43) })
    expect(wrong.body['error']).toBe('invalid_grant')
    // The failed attempt did not consume the code... but the second use of a consumed one fails.
    expect((await exchange(provider, authorized)).status).toBe(200)
    expect((await exchange(provider, authorized)).body['error']).toBe('invalid_grant')
  })

  it('grants prompt=consent without a page, which keeps offline_access', async () => {
    const plain = await exchange(provider, await authorize(provider, { scope: 'openid offline_access' }))
    expect(plain.body['scope']).toBe('openid')
    expect(plain.body['refresh_token']).toEqual(expect.any(String))
    const consented = await exchange(
      provider,
      await authorize(provider, { scope: 'openid offline_access email', extra: { prompt: 'consent' } }),
    )
    expect(consented.status).toBe(200)
    expect(consented.body['scope']).toBe('openid offline_access email')
  })

  it('signs in again without the login page while the provider session lasts, unless prompt=login', async () => {
    const first = await authorize(provider, { user: 'bob' })
    expect(first.sawLoginPage).toBe(true)
    const again = await authorize(provider, { jar: first.jar, user: 'carol' })
    expect(again.sawLoginPage).toBe(false)
    expect((await verifyIdToken((await exchange(provider, again)).body['id_token']))['sub']).toBe('bob')
    const forced = await authorize(provider, { jar: first.jar, user: 'bob', extra: { prompt: 'login' } })
    expect(forced.sawLoginPage).toBe(true)
    expect((await verifyIdToken((await exchange(provider, forced)).body['id_token']))['sub']).toBe('bob')
  })

  it('answers prompt=none without a session with login_required and iss', async () => {
    const url = new URL(`${provider.issuer}/auth`)
    url.search = new URLSearchParams({
      client_id: CLIENT_ID,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: REDIRECT_URI,
      state: 's',
      prompt: 'none',
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'S256',
    }).toString()
    const back = new URL((await hop(new CookieJar(), url)).location ?? '')
    expect(Object.fromEntries(back.searchParams)).toMatchObject({
      error: 'login_required',
      state: 's',
      iss: provider.issuer,
    })
  })

  it('requires PKCE', async () => {
    const url = new URL(`${provider.issuer}/auth`)
    url.search = new URLSearchParams({
      client_id: CLIENT_ID,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: REDIRECT_URI,
      state: 's',
    }).toString()
    const step = await hop(new CookieJar(), url)
    expect(step.status).toBe(303)
    const back = new URL(step.location ?? '')
    expect(back.searchParams.get('error')).toBe('invalid_request')
    expect(back.searchParams.get('iss')).toBe(provider.issuer)
  })

  it('accepts any loopback redirect_uri, registered URIs, and nothing else', async () => {
    for (const redirectUri of [
      'http://localhost:4321/auth/callback',
      'http://[::1]:8080/cb',
      'http://127.0.0.1:1/x?y=1',
    ]) {
      const authorized = await authorize(provider, { redirectUri })
      expect((await exchange(provider, authorized)).status).toBe(200)
    }
    const exact = await authorize(provider, { clientId: 'rp-exact', redirectUri: 'https://app.example.com/callback' })
    expect(exact.code).toEqual(expect.any(String))

    const url = new URL(`${provider.issuer}/auth`)
    url.search = new URLSearchParams({
      client_id: CLIENT_ID,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: 'https://evil.example/cb',
      state: 's',
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'S256',
    }).toString()
    const refused = await hop(new CookieJar(), url)
    expect(refused.status).toBe(400)
    expect(refused.location).toBeUndefined()
    expect(refused.text).toContain('redirect_uri did not match any of the client&#39;s registered redirect_uris')
  })
})

describe('refresh tokens', () => {
  it('rotates the refresh token; reusing a consumed one fails and revokes the new one too', async () => {
    const first = await exchange(provider, await authorize(provider))
    const oldToken = first.body['refresh_token']
    const second = await refresh(provider, oldToken)
    expect(second.status).toBe(200)
    const newToken = second.body['refresh_token']
    expect(newToken).toEqual(expect.any(String))
    expect(newToken).not.toBe(oldToken)
    expect((await verifyIdToken(second.body['id_token']))['sub']).toBe('alice')

    const reuse = await refresh(provider, oldToken)
    expect(reuse.status).toBe(400)
    expect(reuse.body['error']).toBe('invalid_grant')
    const afterReuse = await refresh(provider, newToken)
    expect(afterReuse.status).toBe(400)
    expect(afterReuse.body['error']).toBe('invalid_grant')
  })

  it('keeps iss, sub, aud, sid and nonce in the refreshed ID token', async () => {
    const authorized = await authorize(provider)
    const first = await exchange(provider, authorized)
    const original = await verifyIdToken(first.body['id_token'])
    const refreshed = await verifyIdToken((await refresh(provider, first.body['refresh_token'])).body['id_token'])
    expect(refreshed['sid']).toEqual(expect.any(String))
    expect(refreshed['nonce']).toBe(authorized.nonce)
    for (const claim of ['iss', 'sub', 'aud', 'sid', 'nonce'] as const)
      expect(refreshed[claim]).toEqual(original[claim])
  })

  it('revokes a refresh token at the revocation endpoint', async () => {
    const tokens = await exchange(provider, await authorize(provider))
    const response = await fetch(`${provider.issuer}/token/revocation`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}` },
      body: new URLSearchParams({ token: String(tokens.body['refresh_token']), token_type_hint: 'refresh_token' }),
    })
    expect(response.status).toBe(200)
    expect((await refresh(provider, tokens.body['refresh_token'])).body['error']).toBe('invalid_grant')
  })

  it('can keep the refresh token when rotation is off', async () => {
    const noRotation = await startDevProvider({ rotateRefreshTokens: false })
    try {
      const first = await exchange(noRotation, await authorize(noRotation))
      const token = first.body['refresh_token']
      const again = await refresh(noRotation, token)
      expect(again.body['refresh_token']).toBe(token)
      expect((await refresh(noRotation, token)).status).toBe(200)
    } finally {
      await noRotation.close()
    }
  })

  it('shows setGroups changes in the next refreshed ID token and in userinfo', async () => {
    const own = await startDevProvider()
    try {
      const ownJwks = createRemoteJWKSet(new URL(`${own.issuer}/jwks`))
      const first = await exchange(own, await authorize(own, { user: 'bob' }))
      own.setGroups('bob', ['developers', 'admins'])
      expect(own.users.find((u) => u.id === 'bob')?.groups).toEqual(['developers', 'admins'])
      const refreshed = await refresh(own, first.body['refresh_token'])
      const { payload } = await jwtVerify(String(refreshed.body['id_token']), ownJwks, {
        issuer: own.issuer,
        audience: CLIENT_ID,
      })
      expect(payload['groups']).toEqual(['developers', 'admins'])
      const userinfo = await fetch(`${own.issuer}/me`, {
        headers: { authorization: `Bearer ${String(refreshed.body['access_token'])}` },
      })
      expect(await userinfo.json()).toMatchObject({ sub: 'bob', groups: ['developers', 'admins'] })
      expect(() => own.setGroups('nobody', [])).toThrow(invalidOption(/unknown user "nobody"/))
    } finally {
      await own.close()
    }
  })
})

describe('stats and outages', () => {
  it('counts successful grants by grant_type', async () => {
    const own = await startDevProvider()
    try {
      const { tokenRequests } = own.stats
      const tokens = await exchange(own, await authorize(own))
      await refresh(own, tokens.body['refresh_token'])
      await refresh(own, 'not-a-refresh-token')
      expect(own.stats.tokenRequests).toEqual({ authorization_code: 1, refresh_token: 1 })
      own.stats.reset()
      expect(own.stats.tokenRequests).toEqual({})
      expect(tokenRequests).toBe(own.stats.tokenRequests)
    } finally {
      await own.close()
    }
  })

  it('answers 503 to everything while down, and recovers', async () => {
    const own = await startDevProvider()
    try {
      const discovery = `${own.issuer}/.well-known/openid-configuration`
      expect((await fetch(discovery)).status).toBe(200)
      own.setDown(true)
      const down = await fetch(discovery)
      expect(down.status).toBe(503)
      expect(await down.json()).toMatchObject({ error: 'temporarily_unavailable' })
      expect((await fetch(`${own.issuer}/jwks`)).status).toBe(503)
      expect((await tokenRequest(own, { grant_type: 'refresh_token', refresh_token: 'x' })).status).toBe(503)
      own.setDown(false)
      expect((await fetch(discovery)).status).toBe(200)
    } finally {
      await own.close()
    }
  })
})

describe('options', () => {
  it('rejects bad options at start, naming the option', async () => {
    await expect(startDevProvider({ port: -1 })).rejects.toThrow(OidcError)
    await expect(startDevProvider({ port: -1 })).rejects.toThrow(invalidOption(/options\.port/))
    await expect(startDevProvider({ clients: [{ clientId: 'a', idTokenSigningAlg: 'HS256' }] })).rejects.toThrow(
      invalidOption(/HS256 needs a clientSecret/),
    )
    await expect(startDevProvider({ clients: [{ clientId: 'a' }, { clientId: 'a' }] })).rejects.toThrow(
      invalidOption(/duplicate clientId/),
    )
    await expect(startDevProvider({ users: [] })).rejects.toThrow(invalidOption(/users must not be empty/))
    await expect(startDevProvider({ ttl: { accessToken: 1.5 } })).rejects.toThrow(invalidOption(/ttl\.accessToken/))
  })

  it('uses the configured lifetimes and never changes the caller objects', async () => {
    const users = [{ id: 'dave', name: 'Dave', email: 'dave@example.com', groups: ['ops'] }]
    const own = await startDevProvider({ users, ttl: { accessToken: 120, idToken: 300 } })
    try {
      own.setGroups('dave', [])
      expect(users[0]?.groups).toEqual(['ops'])
      const tokens = await exchange(own, await authorize(own, { user: 'dave' }))
      expect(tokens.body['expires_in']).toBe(120)
      const idToken = JSON.parse(
        Buffer.from(String(tokens.body['id_token']).split('.')[1] ?? '', 'base64url').toString(),
      ) as JWTPayload
      expect((idToken.exp ?? 0) - (idToken.iat ?? 0)).toBe(300)
      expect(idToken['groups']).toEqual([])
    } finally {
      await own.close()
    }
  })
})

describe('logout', () => {
  it('RP-initiated logout confirms itself, notifies back-channel clients and ends refresh', async () => {
    const receiver = await startLogoutReceiver()
    const own = await startDevProvider({
      clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, backchannelLogoutUri: receiver.url }],
    })
    try {
      const authorized = await authorize(own)
      const tokens = await exchange(own, authorized)
      const idToken = String(tokens.body['id_token'])
      const end = new URL(`${own.issuer}/session/end`)
      end.search = new URLSearchParams({
        id_token_hint: idToken,
        post_logout_redirect_uri: 'http://localhost:5555/bye',
        state: 'st',
      }).toString()
      const confirm = await hop(authorized.jar, end)
      expect(confirm.status).toBe(200)
      expect(confirm.text).toContain('<form id="op.logoutForm" method="post"')
      expect(confirm.text).toContain('<input type="hidden" name="logout" value="yes" form="op.logoutForm">')
      expect(confirm.text).toContain('.submit()')
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.text)?.[1] ?? ''
      const done = await hop(authorized.jar, `${own.issuer}/session/end/confirm`, { xsrf, logout: 'yes' })
      expect(done.status).toBe(303)
      expect(done.location).toBe('http://localhost:5555/bye?state=st')

      expect(receiver.tokens).toHaveLength(1)
      const ownJwks = createRemoteJWKSet(new URL(`${own.issuer}/jwks`))
      const { payload } = await jwtVerify(receiver.tokens[0] ?? '', ownJwks, {
        issuer: own.issuer,
        audience: CLIENT_ID,
        typ: 'logout+jwt',
      })
      const { payload: idClaims } = await jwtVerify(idToken, ownJwks)
      expect(payload).toMatchObject({
        sub: 'alice',
        sid: idClaims['sid'],
        events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
      })
      expect(payload['nonce']).toBeUndefined()
      expect((await refresh(own, tokens.body['refresh_token'])).body['error']).toBe('invalid_grant')
    } finally {
      await own.close()
      await receiver.close()
    }
  })

  it('backchannelLogout() ends the user sessions and notifies clients', async () => {
    const receiver = await startLogoutReceiver()
    const own = await startDevProvider({
      clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, backchannelLogoutUri: receiver.url }],
    })
    try {
      const alice = await exchange(own, await authorize(own, { user: 'alice' }))
      const bob = await exchange(own, await authorize(own, { user: 'bob' }))
      const aliceSid = (
        JSON.parse(Buffer.from(String(alice.body['id_token']).split('.')[1] ?? '', 'base64url').toString()) as {
          sid: string
        }
      ).sid
      await own.backchannelLogout('alice', aliceSid)
      expect(receiver.tokens).toHaveLength(1)
      const logout = JSON.parse(
        Buffer.from(receiver.tokens[0]?.split('.')[1] ?? '', 'base64url').toString(),
      ) as JWTPayload
      expect(logout).toMatchObject({ sub: 'alice', sid: aliceSid })
      expect((await refresh(own, alice.body['refresh_token'])).body['error']).toBe('invalid_grant')
      expect((await refresh(own, bob.body['refresh_token'])).status).toBe(200)

      await own.backchannelLogout('bob')
      expect(receiver.tokens).toHaveLength(2)
      await own.backchannelLogout('carol')
      expect(receiver.tokens).toHaveLength(2)
    } finally {
      await own.close()
      await receiver.close()
    }
  })

  it('backchannelLogout() rejects when a client refuses the logout token', async () => {
    const receiver = await startLogoutReceiver(500)
    const own = await startDevProvider({
      clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, backchannelLogoutUri: receiver.url }],
    })
    try {
      await exchange(own, await authorize(own))
      await expect(own.backchannelLogout('alice')).rejects.toThrow(/did not accept the logout token/)
    } finally {
      await own.close()
      await receiver.close()
    }
  })
})
