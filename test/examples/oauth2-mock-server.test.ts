/**
 * The examples against an independent provider implementation, oauth2-mock-server (npm),
 * configured only through OIDC_* variables, with a client id and secret holding `- _ . ~`:
 * it lists only `none` as client authentication and reads Basic credentials without
 * decoding them, so the client id must reach it unchanged.
 */
import { randomBytes } from 'node:crypto'
import { OAuth2Server } from 'oauth2-mock-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Browser } from '../support/browser.js'
import { loginDance } from '../support/login-dance.js'
import { startExample, type ExampleProcess } from '../support/example-process.js'

const CLIENT_ID = 'oidc-rp_example.app~1'
const CLIENT_SECRET = `s3cr-t_${randomBytes(12).toString('base64url')}.~`
let provider: OAuth2Server

beforeAll(async () => {
  provider = new OAuth2Server()
  await provider.issuer.keys.generate('RS256')
  await provider.start(0, '127.0.0.1')
  const { port } = provider.address()
  provider.issuer.url = `http://127.0.0.1:${port}`
  provider.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }) => {
    token.payload['groups'] = ['admins']
  })
})
afterAll(async () => {
  await provider?.stop()
})

describe.each(['express', 'fastify', 'koa'])('examples/%s with oauth2-mock-server', (name) => {
  let app: ExampleProcess

  beforeAll(async () => {
    app = await startExample(name, {
      OIDC_ISSUER: provider.issuer.url!,
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_CLIENT_SECRET: CLIENT_SECRET,
      OIDC_SECRET: randomBytes(32).toString('base64url'),
    })
  }, 60_000)
  afterAll(async () => {
    await app?.stop()
  })

  it('signs in, guards by group and logs out at its end-session endpoint', async () => {
    const browser = new Browser()
    const dance = await loginDance({ browser, appUrl: app.url })
    expect(dance.callback.status, dance.callback.body.slice(0, 300)).toBe(302)
    const me = await browser.api(new URL('/me', app.url))
    expect(me.status).toBe(200)
    expect(JSON.parse(me.body)).toMatchObject({ sub: 'johndoe' })
    expect((await browser.api(new URL('/admin', app.url))).status).toBe(200)
    const logout = await browser.navigate(new URL('/logout', app.url), {
      method: 'POST',
      headers: { 'sec-fetch-site': 'same-origin' },
    })
    expect(logout.location?.href.startsWith(`${provider.issuer.url}/endsession`)).toBe(true)
    expect((await browser.api(new URL('/me', app.url))).status).toBe(401)
  })
})
