/**
 * Token types by allow-list: an ID token is typed as ID tokens are (no `typ`, `JWT`,
 * `application/jwt`, in any case) and carries no `events`; a token made for another
 * purpose (logout, access, security event, or a type not invented yet) is refused, at the
 * callback, as a bearer token and at the back-channel logout endpoint alike.
 */
import { describe, expect, it } from 'vitest'
import type { Browser } from '../support/browser.js'
import { drivers } from './drivers.js'
import { expectRefused, expectSignedIn } from './expectations.js'
import { useHarness, type Harness } from './harness.js'
import { mintIdToken, mintLogoutToken, type MintOptions } from './tokens.js'

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout'

/** `typ` values that are not an ID token's, whatever else the token looks like. */
const NOT_ID_TOKEN_TYPES: unknown[] = [
  'application/logout+jwt',
  'logout+jwt',
  'LOGOUT+JWT',
  'at+jwt',
  'application/at+jwt',
  'secevent+jwt',
  'token-introspection+jwt',
  'application/unknown+jwt',
  'JOSE',
  'JWS',
  'application/application/jwt',
  '',
  42,
  ['JWT'],
]
/** `typ` values providers put on ID tokens (`undefined`: none). */
const ID_TOKEN_TYPES = [undefined, 'JWT', 'jwt', 'application/jwt', 'Application/JWT']

const label = (typ: unknown) => (typ === undefined ? 'no typ' : JSON.stringify(typ))

async function bearer(harness: Harness, token: string): Promise<{ status: number; body: string }> {
  const response = await fetch(harness.url('/me'), {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  })
  return { status: response.status, body: await response.text() }
}

async function backchannel(harness: Harness, token: string): Promise<{ status: number; body: string }> {
  const response = await fetch(harness.url('/backchannel-logout'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ logout_token: token }).toString(),
  })
  return { status: response.status, body: await response.text() }
}

/** A logout token for alice's `sid-1` with an `exp` (Back-Channel Logout 1.0 §2.4), bent by `options`. */
function logoutToken(harness: Harness, options: MintOptions = {}): Promise<string> {
  return mintLogoutToken(harness.rogue, {
    ...options,
    claims: { sid: 'sid-1', exp: Math.floor(Date.now() / 1000) + 120, ...options.claims },
  })
}

async function signedInWithSid(harness: Harness): Promise<Browser> {
  harness.rogue.bend({ claims: { sid: 'sid-1' } })
  const dance = await harness.dance()
  await expectSignedIn(harness, dance)
  return dance.browser
}

describe.each(drivers)('$name: token types', (driver) => {
  const harness = useHarness(driver)

  describe('ID tokens at the callback', () => {
    it.each(NOT_ID_TOKEN_TYPES.map((typ) => [label(typ), typ]))('refuses typ %s', async (_label, typ) => {
      harness.rogue.bend({ header: { typ } })
      await expectRefused(harness, await harness.dance())
    })

    it.each(ID_TOKEN_TYPES.map((typ) => [label(typ), typ]))('accepts %s', async (_label, typ) => {
      harness.rogue.bend({ header: { typ } })
      await expectSignedIn(harness, await harness.dance())
    })

    it.each([
      ['the back-channel logout event', { [BACKCHANNEL_EVENT]: {} }],
      ['any event', { 'https://schemas.openid.net/secevent/risc/event-type/account-disabled': {} }],
      ['an empty events object', {}],
    ])('refuses an ID token carrying "events" (%s), even typed JWT', async (_name, events) => {
      harness.rogue.bend({ claims: { events } })
      await expectRefused(harness, await harness.dance())
    })
  })

  describe('ID tokens and access tokens as bearer tokens', () => {
    it.each(
      NOT_ID_TOKEN_TYPES.filter((typ) => typ !== 'at+jwt' && typ !== 'application/at+jwt').map((typ) => [
        label(typ),
        typ,
      ]),
    )('refuses typ %s with 401', async (_label, typ) => {
      await harness.startApp({ bearer: true })
      const result = await bearer(harness, await mintIdToken(harness.rogue, { header: { typ } }))
      expect(result.status, result.body).toBe(401)
    })

    it.each(ID_TOKEN_TYPES.map((typ) => [label(typ), typ]))('accepts an ID token with %s', async (_label, typ) => {
      await harness.startApp({ bearer: true })
      const result = await bearer(harness, await mintIdToken(harness.rogue, { header: { typ } }))
      expect(result.status, result.body).toBe(200)
    })

    it.each(['at+jwt', 'application/at+jwt', 'AT+JWT'])(
      'accepts an access token typed %s for a configured audience',
      async (typ) => {
        await harness.startApp({ bearer: { audience: 'https://api.example.com' } })
        const token = await mintIdToken(harness.rogue, {
          header: { typ },
          claims: { aud: 'https://api.example.com', client_id: 'svc' },
        })
        const result = await bearer(harness, token)
        expect(result.status, result.body).toBe(200)
      },
    )

    it('refuses an ID token carrying "events" with 401', async () => {
      await harness.startApp({ bearer: true })
      const result = await bearer(
        harness,
        await mintIdToken(harness.rogue, { claims: { events: { [BACKCHANNEL_EVENT]: {} } } }),
      )
      expect(result.status, result.body).toBe(401)
    })
  })

  describe('logout tokens', () => {
    it.each(
      [undefined, 'logout+jwt', 'application/logout+jwt', 'Application/Logout+JWT', 'JWT'].map((typ) => [
        label(typ),
        typ,
      ]),
    )('accepts %s: 200, the session ends', async (_label, typ) => {
      const alice = await signedInWithSid(harness)
      const result = await backchannel(harness, await logoutToken(harness, { header: { typ } }))
      expect(result.status, result.body).toBe(200)
      expect((await harness.me(alice)).status).toBe(401)
    })

    it.each(
      [
        'at+jwt',
        'application/at+jwt',
        'secevent+jwt',
        'application/secevent+jwt',
        'application/unknown+jwt',
        'JOSE',
        42,
      ].map((typ) => [label(typ), typ]),
    )('refuses typ %s: 400, nothing ends', async (_label, typ) => {
      const alice = await signedInWithSid(harness)
      const result = await backchannel(harness, await logoutToken(harness, { header: { typ } }))
      expect(result.status, result.body).toBe(400)
      expect((await harness.me(alice)).status).toBe(200)
    })

    it('refuses a logout token without exp (Back-Channel Logout 1.0 §2.4): 400, nothing ends', async () => {
      const alice = await signedInWithSid(harness)
      const result = await backchannel(harness, await logoutToken(harness, { claims: { exp: undefined } }))
      expect(result.status, result.body).toBe(400)
      expect(result.body).toContain('exp')
      expect((await harness.me(alice)).status).toBe(200)
    })

    // The drafts of Back-Channel Logout did not require exp, and providers built on them send
    // none (Glewlwyd 2.7.5): an app that opts in takes such tokens, aged by iat all the same.
    it('with logoutTokenWithoutExp, accepts a logout token without exp: 200, the session ends; its replay and an old one are refused', async () => {
      await harness.startApp({ logoutTokenWithoutExp: true })
      const alice = await signedInWithSid(harness)
      const token = await logoutToken(harness, { claims: { exp: undefined } })
      const result = await backchannel(harness, token)
      expect(result.status, result.body).toBe(200)
      expect((await harness.me(alice)).status).toBe(401)
      expect((await backchannel(harness, token)).status).toBe(400)
      const bob = await signedInWithSid(harness)
      const old = await backchannel(
        harness,
        await logoutToken(harness, { claims: { exp: undefined, iat: Math.floor(Date.now() / 1000) - 3600 } }),
      )
      expect(old.status, old.body).toBe(400)
      expect((await harness.me(bob)).status).toBe(200)
    })
  })
})
