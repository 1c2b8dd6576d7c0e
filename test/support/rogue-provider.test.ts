/**
 * The rogue provider checked against jose, independently of the middleware: every knob
 * must produce exactly the defect it claims, or the refusal suite proves nothing.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, type JSONWebKeySet } from 'jose'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startRogueProvider, type RogueProvider } from './rogue-provider.js'

const REDIRECT = 'http://127.0.0.1:1/callback'
let rogue: RogueProvider

beforeAll(async () => {
  rogue = await startRogueProvider()
})
beforeEach(() => rogue.reset())
afterAll(() => rogue.close())

interface Authorized {
  redirect: URL
  verifier: string
  nonce: string
}

async function authorize(): Promise<Authorized> {
  const verifier = randomBytes(32).toString('base64url')
  const nonce = randomBytes(16).toString('base64url')
  const url = new URL(`${rogue.issuer}/authorize`)
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: rogue.clientId,
    redirect_uri: REDIRECT,
    scope: 'openid email',
    state: 'the-state',
    nonce,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString()
  const response = await fetch(url, { redirect: 'manual' })
  expect(response.status).toBe(302)
  return { redirect: new URL(response.headers.get('location') ?? ''), verifier, nonce }
}

async function exchange(
  authorized: Authorized,
  options: { auth?: 'basic' | 'post'; secret?: string; verifier?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code: authorized.redirect.searchParams.get('code') ?? '',
    redirect_uri: REDIRECT,
    code_verifier: options.verifier ?? authorized.verifier,
  })
  const secret = options.secret ?? rogue.clientSecret
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  if (options.auth === 'post') {
    form.set('client_id', rogue.clientId)
    form.set('client_secret', secret)
  } else {
    headers['authorization'] =
      `Basic ${Buffer.from(`${encodeURIComponent(rogue.clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`
  }
  const response = await fetch(`${rogue.issuer}/token`, { method: 'POST', headers, body: form })
  const text = await response.text()
  const body: unknown = text.startsWith('{') ? JSON.parse(text) : { text }
  return { status: response.status, body: body as Record<string, unknown> }
}

async function idToken(): Promise<{ jwt: string; nonce: string }> {
  const authorized = await authorize()
  const { status, body } = await exchange(authorized)
  expect(status).toBe(200)
  return { jwt: String(body['id_token']), nonce: authorized.nonce }
}

async function jwks(): Promise<JSONWebKeySet> {
  const body: unknown = await (await fetch(`${rogue.issuer}/jwks`)).json()
  return body as JSONWebKeySet
}

describe('rogue provider', () => {
  it('serves a discovery document whose knobs override and delete', async () => {
    rogue.bend({ discovery: { id_token_signing_alg_values_supported: ['RS256'], end_session_endpoint: undefined } })
    const document: unknown = await (await fetch(`${rogue.issuer}/.well-known/openid-configuration`)).json()
    expect(document).toMatchObject({
      issuer: rogue.issuer,
      id_token_signing_alg_values_supported: ['RS256'],
      authorization_response_iss_parameter_supported: true,
    })
    expect(document).not.toHaveProperty('end_session_endpoint')
  })

  it('by default issues an RS256 ID token that verifies against its JWKS, with the login nonce', async () => {
    const { jwt, nonce } = await idToken()
    const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(await jwks()), {
      issuer: rogue.issuer,
      audience: rogue.clientId,
    })
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: rogue.keys.rs256.kid })
    expect(payload).toMatchObject({ sub: 'alice', nonce, groups: ['admins', 'developers'], email: 'alice@example.com' })
  })

  it('signs ES256 with the published EC key, and HS256 with the client secret', async () => {
    rogue.bend({ sign: 'es256' })
    await expect(jwtVerify((await idToken()).jwt, createLocalJWKSet(await jwks()))).resolves.toMatchObject({
      protectedHeader: { alg: 'ES256' },
    })
    rogue.bend({ sign: 'hs256' })
    await expect(jwtVerify((await idToken()).jwt, new TextEncoder().encode(rogue.clientSecret))).resolves.toBeTruthy()
  })

  it('HS256 with a wrong secret verifies only with that secret', async () => {
    rogue.bend({ sign: 'hs256', hmacSecret: 'x'.repeat(40) })
    const { jwt } = await idToken()
    await expect(jwtVerify(jwt, new TextEncoder().encode('x'.repeat(40)))).resolves.toBeTruthy()
    await expect(jwtVerify(jwt, new TextEncoder().encode(rogue.clientSecret))).rejects.toThrow(/signature/)
  })

  it("'none' has alg none and an empty signature", async () => {
    rogue.bend({ sign: 'none' })
    const { jwt } = await idToken()
    expect(decodeProtectedHeader(jwt).alg).toBe('none')
    expect(jwt.endsWith('.')).toBe(true)
  })

  it("'foreign-rs256' is a good signature by a key whose kid is not published", async () => {
    rogue.bend({ sign: 'foreign-rs256' })
    const { jwt } = await idToken()
    const published = (await jwks()).keys.map((key) => key.kid)
    expect(published).not.toContain(decodeProtectedHeader(jwt).kid)
    await expect(jwtVerify(jwt, rogue.keys.foreign.publicKey)).resolves.toBeTruthy()
  })

  it("'bad-signature' is the correct token with corrupted signature bytes", async () => {
    rogue.bend({ sign: 'bad-signature' })
    const { jwt } = await idToken()
    expect(decodeJwt(jwt)).toMatchObject({ sub: 'alice', iss: rogue.issuer })
    expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: 'RS256', kid: rogue.keys.rs256.kid })
    await expect(jwtVerify(jwt, createLocalJWKSet(await jwks()))).rejects.toThrow(/signature/)
  })

  it.each(['spki-pem', 'jwk-json'] as const)(
    "'hs256-with-public-key' (%s) is HMAC keyed with the RSA public key, under the RSA kid",
    async (form) => {
      rogue.bend({ sign: 'hs256-with-public-key', confusionKey: form })
      const { jwt } = await idToken()
      expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: 'HS256', kid: rogue.keys.rs256.kid })
      const material = form === 'spki-pem' ? rogue.keys.rs256.publicPem : JSON.stringify(rogue.keys.rs256.publicJwk)
      await expect(jwtVerify(jwt, new TextEncoder().encode(material))).resolves.toBeTruthy()
    },
  )

  it('bends claims and header: a value replaces, undefined deletes', async () => {
    rogue.bend({ claims: { iss: 'https://evil.example', aud: undefined }, header: { typ: undefined, kid: 'other' } })
    const { jwt } = await idToken()
    expect(decodeJwt(jwt)).toMatchObject({ iss: 'https://evil.example' })
    expect(decodeJwt(jwt)).not.toHaveProperty('aud')
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'RS256', kid: 'other' })
  })

  it('authenticates the client (basic and post) and checks PKCE and single use', async () => {
    expect((await exchange(await authorize(), { auth: 'post' })).status).toBe(200)
    expect((await exchange(await authorize(), { secret: 'wrong' })).status).toBe(401)
    expect((await exchange(await authorize(), { verifier: 'wrong'.repeat(10) })).body).toMatchObject({
      error: 'invalid_grant',
    })
    const once = await authorize()
    expect((await exchange(once)).status).toBe(200)
    expect((await exchange(once)).body).toMatchObject({ error: 'invalid_grant' })
    rogue.bend({ reusableCodes: true })
    const twice = await authorize()
    expect((await exchange(twice)).status).toBe(200)
    expect((await exchange(twice)).status).toBe(200)
  })

  it('bends the authorization response', async () => {
    expect((await authorize()).redirect.searchParams.get('iss')).toBe(rogue.issuer)
    rogue.bend({ authorize: { state: null, iss: 'https://evil.example' } })
    const bent = (await authorize()).redirect.searchParams
    expect(bent.has('state')).toBe(false)
    expect(bent.get('iss')).toBe('https://evil.example')
    rogue.reset()
    rogue.bend({ authorize: { error: 'access_denied', error_description: '<b>no</b>' } })
    const refused = (await authorize()).redirect.searchParams
    expect([refused.get('error'), refused.get('error_description'), refused.get('state'), refused.has('code')]).toEqual(
      ['access_denied', '<b>no</b>', 'the-state', false],
    )
  })

  it('bends the token response', async () => {
    rogue.bend({ omitIdToken: true })
    expect((await exchange(await authorize())).body).not.toHaveProperty('id_token')
    rogue.bend({ omitIdToken: false, tokenStatus: 400, tokenBody: () => ({ error: 'invalid_grant' }) })
    expect(await exchange(await authorize())).toEqual({ status: 400, body: { error: 'invalid_grant' } })
  })

  it('goes down on demand', async () => {
    rogue.bend({ down: 503, affects: ['jwks'] })
    expect((await fetch(`${rogue.issuer}/jwks`)).status).toBe(503)
    expect((await fetch(`${rogue.issuer}/.well-known/openid-configuration`)).status).toBe(200)
    rogue.bend({ down: 'destroy', affects: 'all' })
    await expect(fetch(`${rogue.issuer}/jwks`)).rejects.toThrow()
  })

  it('rotates in a new signing key, keeps the old one published, and reset() undoes it', async () => {
    const before = rogue.keys.rs256
    await rogue.rotateKey()
    expect(rogue.keys.rs256.kid).not.toBe(before.kid)
    const published = (await jwks()).keys.map((key) => key.kid)
    expect(published).toEqual(expect.arrayContaining([before.kid, rogue.keys.rs256.kid]))
    expect(decodeProtectedHeader((await idToken()).jwt).kid).toBe(rogue.keys.rs256.kid)
    await expect(importJWK(rogue.keys.rs256.publicJwk, 'RS256')).resolves.toBeTruthy()
    rogue.reset()
    expect(rogue.keys.rs256.kid).toBe(before.kid)
    expect(rogue.requests.jwks).toBe(0)
  })
})
