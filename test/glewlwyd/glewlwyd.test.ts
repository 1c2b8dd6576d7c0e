/**
 * Against a real, independent OpenID Provider: Glewlwyd (Debian's `glewlwyd`, written in C,
 * OpenID-certified), started from scratch on loopback by ../support/glewlwyd.ts. Every
 * driver of the contract suite, then the three examples configured only through OIDC_*
 * variables, sign in with a client id that holds a hyphen and a secret that holds `- _ . ~`
 * (Glewlwyd does not decode Basic credentials), guard by group, refresh with one-time
 * refresh tokens (its refresh answers carry no ID token), log out at its end_session
 * endpoint and come back, take its back-channel logout, and accept its ID tokens as bearers.
 */
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Browser } from '../support/browser.js'
import { startExample, type ExampleProcess } from '../support/example-process.js'
import { startGlewlwyd, type Glewlwyd, type SignedIn, type TokenRequest } from '../support/glewlwyd.js'
import { drivers, type RunningApp } from '../contract/drivers.js'

/** Seconds Glewlwyd's access and ID tokens live: due for refresh at half (the leeway is capped at half a lifetime). */
const LIFETIME = 8
const USERS = [
  {
    username: 'alice',
    password: `alice-${randomBytes(9).toString('base64url')}`,
    name: 'Alice Admin',
    email: 'alice@example.com',
    groups: ['admins', 'developers'],
  },
  {
    username: 'bob',
    password: `bob-${randomBytes(9).toString('base64url')}`,
    name: 'Bob Builder',
    email: 'bob@example.com',
    groups: ['developers'],
  },
]
const secret = () => randomBytes(32).toString('base64url')
/** A secret holding every character form-urlencoding could change without need. */
const clientSecret = () => `s3cr-t_${randomBytes(12).toString('base64url')}.~`

let glewlwyd: Glewlwyd

beforeAll(async () => {
  glewlwyd = await startGlewlwyd({ tokenLifetime: LIFETIME, users: USERS })
})
afterAll(async () => {
  await glewlwyd?.close()
})

const json = (browser: Browser, url: string) =>
  browser.api(url).then((answer) => ({
    status: answer.status,
    body: answer.status === 200 ? (JSON.parse(answer.body) as Record<string, unknown>) : undefined,
  }))

/** The refresh_token exchanges of one client so far. */
const refreshes = (clientId: string): TokenRequest[] =>
  glewlwyd.tokenRequests.filter((r) => r.clientId === clientId && r.grantType === 'refresh_token')

/** One app per driver, each with its own Glewlwyd client (its redirect and back-channel URIs name its port). */
interface DriverApp {
  app: RunningApp
  clientId: string
  signIn: (username: string) => Promise<SignedIn & { browser: Browser }>
}
const apps = new Map<string, DriverApp>()

beforeAll(async () => {
  for (const driver of drivers) {
    const clientId = `oidc-rp-${driver.name}`
    const client = { clientId, clientSecret: clientSecret() }
    const app = await driver.start({
      issuer: glewlwyd.issuer,
      ...client,
      secret: secret(),
      authRequired: false,
      bearer: true,
      logoutTokenWithoutExp: true,
    })
    apps.set(driver.name, {
      app,
      clientId,
      async signIn(username) {
        const browser = new Browser()
        const signedIn = await glewlwyd.signIn(browser, app.url, username, clientId, '/me')
        expect(signedIn.callback.status, signedIn.callback.body.slice(0, 300)).toBe(302)
        expect(signedIn.callback.rawLocation).toBe('/me')
        return { browser, ...signedIn }
      },
    })
    await glewlwyd.addClient({
      ...client,
      redirectUri: `${app.url}/callback`,
      postLogoutRedirectUri: `${app.url}/`,
      backchannelLogoutUri: `${app.url}/backchannel-logout`,
    })
  }
})
afterAll(async () => {
  await Promise.all([...apps.values()].map(({ app }) => app.close()))
})

describe.each(drivers)('$name against Glewlwyd', (driver) => {
  let app: RunningApp
  let clientId: string
  let signIn: DriverApp['signIn']
  beforeAll(() => {
    ;({ app, clientId, signIn } = apps.get(driver.name)!)
  })

  it('signs alice in with Basic credentials as sent: her claims and groups, /admin allowed; bob is refused /admin', async () => {
    const alice = await signIn('alice')
    expect(alice.authorize.origin + alice.authorize.pathname).toBe(`${glewlwyd.issuer}/auth`)
    const me = await json(alice.browser, `${app.url}/me`)
    expect(me.status).toBe(200)
    expect(me.body).toMatchObject({
      sub: expect.any(String),
      name: 'Alice Admin',
      email: 'alice@example.com',
      groups: ['admins', 'developers'],
    })
    expect((await alice.browser.api(`${app.url}/admin`)).status).toBe(200)
    const codeExchange = glewlwyd.tokenRequests.findLast(
      (r) => r.clientId === clientId && r.grantType === 'authorization_code',
    )
    // Basic, as Glewlwyd lists first; the id reached it unchanged (it decodes nothing).
    expect(codeExchange).toMatchObject({ clientAuth: 'basic', clientId, status: 200, idToken: true })

    const bob = await signIn('bob')
    expect((await json(bob.browser, `${app.url}/me`)).body).toMatchObject({
      name: 'Bob Builder',
      groups: ['developers'],
    })
    const refused = await bob.browser.api(`${app.url}/admin`)
    expect(refused.status).toBe(403)
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'forbidden' })
  })

  it('logs out at its end_session_endpoint, and Glewlwyd sends the browser back', async () => {
    const alice = await signIn('alice')
    const logout = await alice.browser.navigate(`${app.url}/logout`, {
      method: 'POST',
      headers: { 'sec-fetch-site': 'same-origin', origin: app.url },
    })
    expect(logout.status).toBe(302)
    expect(logout.location!.origin + logout.location!.pathname).toBe(`${glewlwyd.issuer}/end_session`)
    expect(logout.location!.searchParams.get('post_logout_redirect_uri')).toBe(`${app.url}/`)
    expect((await alice.browser.api(`${app.url}/me`)).status).toBe(401)
    const back = await glewlwyd.endSession(logout.location!, alice.cookie)
    expect(back?.origin, 'Glewlwyd sends the browser back to post_logout_redirect_uri').toBe(app.url)
    expect(back!.pathname).toBe('/')
    expect((await alice.browser.navigate(back!)).status).toBe(200)
  })

  it('takes its back-channel logout: the session is gone', async () => {
    const alice = await signIn('alice')
    const other = await signIn('alice')
    expect((await alice.browser.api(`${app.url}/me`)).status).toBe(200)
    await glewlwyd.endOidcSession(alice.cookie)
    const deadline = Date.now() + 5000
    let status = 200
    while (status === 200 && Date.now() < deadline) {
      await sleep(100)
      status = (await alice.browser.api(`${app.url}/me`)).status
    }
    expect(
      status,
      glewlwyd
        .log()
        .split('\n')
        .filter((line) => line.includes('backchannel'))
        .join('\n'),
    ).toBe(401)
    expect(glewlwyd.log()).not.toMatch(new RegExp(`Error backchannel_logout response for client ${clientId}\\b`))
    // Only the session Glewlwyd ended: the other sign-in has its own provider session.
    expect((await other.browser.api(`${app.url}/me`)).status).toBe(200)
  })

  it('accepts its ID tokens as bearer tokens, with the same guards', async () => {
    const bearer = async (path: string, token: string) => {
      const answer = await fetch(app.url + path, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      })
      return { status: answer.status, body: await answer.text() }
    }
    const alice = await glewlwyd.issueIdToken('alice', clientId, `${app.url}/callback`)
    const me = await bearer('/me', alice)
    expect(me.status, me.body).toBe(200)
    expect(JSON.parse(me.body)).toMatchObject({ groups: ['admins', 'developers'] })
    expect((await bearer('/admin', alice)).status).toBe(200)
    const bob = await glewlwyd.issueIdToken('bob', clientId, `${app.url}/callback`)
    expect((await bearer('/admin', bob)).status).toBe(403)
    expect((await bearer('/me', `${alice.slice(0, -4)}AAAA`)).status).toBe(401)
  })
})

// The drivers' refresh tests run at the same time: each is two token lifetimes of traffic.
describe('refresh against Glewlwyd, every driver at once', () => {
  it.concurrent.each(drivers)(
    `$name refreshes each token once while it lives (${LIFETIME} s tokens, one-time refresh tokens, no ID token in the answer), then logs out`,
    async (driver) => {
      const { app, clientId, signIn } = apps.get(driver.name)!
      const alice = await signIn('alice')
      const signInExchange = glewlwyd.tokenRequests.findLast(
        (r) => r.clientId === clientId && r.grantType === 'authorization_code',
      )!
      const before = refreshes(clientId).length
      // Two lifetimes of steady traffic, three requests at a time: single-flight, and a
      // refresh token used twice would be refused by Glewlwyd (and the session ended).
      const statuses: number[] = []
      while (Date.now() - signInExchange.at < 2 * LIFETIME * 1000 + 500) {
        const answers = await Promise.all([0, 1, 2].map(() => alice.browser.api(`${app.url}/me`)))
        statuses.push(...answers.map((a) => a.status))
        await sleep(250)
      }
      expect(
        statuses.every((s) => s === 200),
        `statuses: ${[...new Set(statuses)].join(', ')}`,
      ).toBe(true)
      const calls = refreshes(clientId).slice(before)
      const summary = JSON.stringify(
        calls.map((c) => ({
          at: c.at - signInExchange.at,
          status: c.status,
          idToken: c.idToken,
          expiresIn: c.expiresIn,
        })),
      )
      expect(
        calls.every((c) => c.status === 200 && c.issued !== undefined && !c.idToken && c.expiresIn === LIFETIME),
        summary,
      ).toBe(true)
      // The chain of tokens: each refresh presents the refresh token the previous exchange
      // issued, once, before the tokens it came with expired; the next one only after they
      // were due (half their lifetime: the leeway is capped there).
      const chain = [signInExchange, ...calls]
      for (let i = 1; i < chain.length; i += 1) {
        const [previous, call] = [chain[i - 1], chain[i]]
        expect(call.presented, `refresh ${i} presents the token issued just before: ${summary}`).toBe(previous.issued)
        expect(call.at - previous.at, `refresh ${i} comes while the tokens live: ${summary}`).toBeLessThan(
          LIFETIME * 1000,
        )
        expect(call.at - previous.at, `refresh ${i} comes once they are due: ${summary}`).toBeGreaterThanOrEqual(
          (LIFETIME / 2 - 1) * 1000,
        )
      }
      expect(new Set(calls.map((c) => c.presented)).size).toBe(calls.length)
      // So, in two lifetimes: 3 or 4 refreshes, one per token.
      expect(calls.length, summary).toBeGreaterThanOrEqual(3)
      expect(calls.length, summary).toBeLessThanOrEqual(4)
      // The session goes on after the provider stopped renewing the ID token, and logout
      // still comes back with that ID token, expired, as the hint.
      expect((await json(alice.browser, `${app.url}/me`)).body).toMatchObject({ groups: ['admins', 'developers'] })
      const logout = await alice.browser.navigate(`${app.url}/logout`, {
        method: 'POST',
        headers: { 'sec-fetch-site': 'same-origin', origin: app.url },
      })
      expect((await glewlwyd.endSession(logout.location!, alice.cookie))?.origin).toBe(app.url)
    },
    60_000,
  )
})

const EXAMPLES = ['express', 'fastify', 'koa']

describe('the examples against Glewlwyd, configured by OIDC_* variables', () => {
  const examples = new Map<string, { app: ExampleProcess; clientId: string }>()

  beforeAll(async () => {
    await Promise.all(
      EXAMPLES.map(async (name) => {
        const client = { clientId: `oidc-rp-example-${name}`, clientSecret: clientSecret() }
        const app = await startExample(name, {
          OIDC_ISSUER: glewlwyd.issuer,
          OIDC_CLIENT_ID: client.clientId,
          OIDC_CLIENT_SECRET: client.clientSecret,
          OIDC_SECRET: secret(),
          OIDC_LOGOUT_TOKEN_WITHOUT_EXP: 'true',
        })
        examples.set(name, { app, clientId: client.clientId })
        await glewlwyd.addClient({
          ...client,
          redirectUri: `${app.url}/callback`,
          postLogoutRedirectUri: `${app.url}/`,
          backchannelLogoutUri: `${app.url}/backchannel-logout`,
        })
      }),
    )
  }, 60_000)
  afterAll(async () => {
    await Promise.all([...examples.values()].map(({ app }) => app.stop()))
  })

  it.each(EXAMPLES)('examples/%s signs in, guards /admin by group, and logs out through Glewlwyd', async (name) => {
    const { app, clientId } = examples.get(name)!
    const browser = new Browser()
    const alice = await glewlwyd.signIn(browser, app.url, 'alice', clientId, '/me')
    expect(alice.callback.status, alice.callback.body.slice(0, 300)).toBe(302)
    expect((await json(browser, `${app.url}/me`)).body).toMatchObject({
      name: 'Alice Admin',
      groups: ['admins', 'developers'],
    })
    expect((await browser.api(`${app.url}/admin`)).status).toBe(200)
    const logout = await browser.navigate(`${app.url}/logout`, {
      method: 'POST',
      headers: { 'sec-fetch-site': 'same-origin', origin: app.url },
    })
    expect(logout.location!.origin + logout.location!.pathname).toBe(`${glewlwyd.issuer}/end_session`)
    expect((await glewlwyd.endSession(logout.location!, alice.cookie))?.origin).toBe(app.url)
    expect((await browser.api(`${app.url}/me`)).status).toBe(401)

    const bob = new Browser()
    await glewlwyd.signIn(bob, app.url, 'bob', clientId)
    expect((await bob.api(`${app.url}/admin`)).status).toBe(403)
  })
})
