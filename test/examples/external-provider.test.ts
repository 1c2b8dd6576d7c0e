/**
 * The examples configured from the OIDC_* variables, against a provider the test runs: the
 * way a user points them at Dex or Keycloak. Browsers sign in; services call /me with
 * bearer tokens.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signIn, startDevProvider, type DevProvider } from '@oidc-rp/testing'
import { startExample, type ExampleProcess } from '../support/example-process.js'
import { get } from '../support/http.js'

let provider: DevProvider
const clientSecret = randomBytes(24).toString('base64url')

beforeAll(async () => {
  provider = await startDevProvider({ clients: [{ clientId: 'example-app', clientSecret }] })
})
afterAll(async () => {
  await provider?.close()
})

describe.each(['express', 'fastify', 'koa'])('examples/%s with OIDC_* variables', (name) => {
  let app: ExampleProcess

  beforeAll(async () => {
    app = await startExample(name, {
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: 'example-app',
      OIDC_CLIENT_SECRET: clientSecret,
      OIDC_SECRET: randomBytes(32).toString('base64url'),
    })
  }, 60_000)
  afterAll(async () => {
    await app?.stop()
  })

  it('uses that provider, not the embedded one', async () => {
    expect(app.output()).not.toContain('embedded dev provider')
    const { cookie } = await signIn(app.url, 'alice')
    expect((await get(`${app.url}/admin`, { cookie })).status).toBe(200)
  })

  it('accepts bearer ID tokens at /me, with the same guards', async () => {
    const alice = await provider.issueIdToken('alice')
    const me = await get(`${app.url}/me`, { authorization: `Bearer ${alice}` })
    expect(me.status).toBe(200)
    expect(JSON.parse(me.body)).toMatchObject({ sub: 'alice' })
    const bob = await provider.issueIdToken('bob')
    expect((await get(`${app.url}/admin`, { authorization: `Bearer ${bob}` })).status).toBe(403)
    const forged = await get(`${app.url}/me`, { authorization: `Bearer ${alice.slice(0, -4)}AAAA` })
    expect(forged.status).toBe(401)
    expect(forged.challenge).toMatch(/error="invalid_token"/)
  })
})
