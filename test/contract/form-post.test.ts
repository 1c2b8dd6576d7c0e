/**
 * `response_mode=form_post`: the provider's page POSTs the callback from its own site, and
 * a browser sends a SameSite=Lax cookie with a cross-site top-level GET but not with a
 * cross-site POST. The login-transaction cookie is then SameSite=None (and Secure, which
 * that needs: the mode is refused on an http baseURL). Driven through the core with an
 * https baseURL, against the rogue provider.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RelyingParty } from '@oidc-rp/core'
import { startRogueProvider, type RogueProvider } from '../support/rogue-provider.js'

let rogue: RogueProvider
beforeAll(async () => {
  rogue = await startRogueProvider()
})
afterAll(() => rogue.close())

const cookiePair = (header: string) => header.slice(0, header.indexOf(';'))

describe('form_post', () => {
  it('writes the login transaction SameSite=None; Secure, and signs in from a cross-site POST that carries only that cookie', async () => {
    const rp = new RelyingParty(
      {
        issuer: rogue.issuer,
        clientId: rogue.clientId,
        clientSecret: rogue.clientSecret,
        baseURL: 'https://app.example',
        secret: randomBytes(32).toString('base64url'),
        authRequired: false,
        authorizationParams: { response_mode: 'form_post' },
      },
      {},
    )
    const loginCookies: string[] = []
    const login = await rp.handle({ method: 'GET', url: '/login', headers: {} }, (c) => loginCookies.push(c))
    expect(login.response?.status).toBe(302)
    expect(loginCookies).toHaveLength(1)
    expect(loginCookies[0]).toMatch(/^__Host-oidc\.tx\.0=/)
    expect(loginCookies[0]).toMatch(/; SameSite=None/i)
    expect(loginCookies[0]).toMatch(/; Secure/i)
    const authorizeUrl = new URL(String(login.response?.headers.location))
    expect(authorizeUrl.searchParams.get('response_mode')).toBe('form_post')

    const authorize = await fetch(authorizeUrl, { redirect: 'manual' })
    const back = new URL(authorize.headers.get('location')!)
    const sessionCookies: string[] = []
    const callback = await rp.handle(
      {
        method: 'POST',
        url: '/callback',
        headers: {
          cookie: cookiePair(loginCookies[0]),
          'content-type': 'application/x-www-form-urlencoded',
          'sec-fetch-site': 'cross-site',
        },
        body: back.searchParams.toString(),
      },
      (c) => sessionCookies.push(c),
    )
    expect(callback.response?.status, callback.response?.body).toBe(302)
    expect(sessionCookies.some((c) => c.startsWith('__Host-oidc.session='))).toBe(true)
  })
})
