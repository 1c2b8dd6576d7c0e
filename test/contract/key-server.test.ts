/**
 * A key server that cannot be read is an outage, not a bad token: whether the app has no
 * keys yet or looks again for a rotated key, a JWKS answering 5xx or 404, a body that is
 * not JSON or not a JWKS, a dropped or refused connection, or no answer within
 * httpTimeout gives 503 + Retry-After at the callback, for a bearer token and for a
 * back-channel logout (the provider retries), and ends nothing. Once a JWKS was read, not
 * finding a usable key in it still refuses the token.
 */
import { RelyingParty } from '@oidc-rp/core'
import { randomBytes } from 'node:crypto'
import { exportJWK } from 'jose'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../support/net.js'
import { startRogueProvider, type Behaviour, type RogueProvider } from '../support/rogue-provider.js'
import { drivers } from './drivers.js'
import { expectRefused, expectSignedIn, summary } from './expectations.js'
import { useHarness, type Harness } from './harness.js'
import { mintIdToken, mintLogoutToken } from './tokens.js'

/** Seconds: OIDC_HTTP_TIMEOUT for the "no answer" case, shorter than the provider's delay. */
const HTTP_TIMEOUT = 1

interface Outage {
  name: string
  /** Knobs that make the JWKS unreadable. */
  behaviour: (rogue: RogueProvider) => Promise<Partial<Behaviour>> | Partial<Behaviour>
  /** Takes effect only before the app discovers the provider. */
  coldOnly?: boolean
  /** Runs the app with a short httpTimeout. */
  slow?: boolean
}

const outages: Outage[] = [
  { name: 'answers 500', behaviour: () => ({ jwksStatus: 500 }) },
  { name: 'answers 503 temporarily_unavailable', behaviour: () => ({ down: 503, affects: ['jwks'] }) },
  { name: 'answers 404', behaviour: () => ({ jwksStatus: 404 }) },
  { name: 'answers 302 elsewhere', behaviour: () => ({ jwksStatus: 302 }) },
  { name: 'answers a body that is not JSON', behaviour: () => ({ jwks: () => '{"keys": [' }) },
  { name: 'answers an HTML page', behaviour: () => ({ jwks: () => '<html><body>Bad gateway</body></html>' }) },
  { name: 'answers JSON that is not a JWKS (no keys)', behaviour: () => ({ jwks: () => ({ error: 'maintenance' }) }) },
  {
    name: 'answers JSON that is not a JWKS (keys not an array)',
    behaviour: () => ({ jwks: () => ({ keys: 'none' }) }),
  },
  {
    name: 'answers JSON that is not a JWKS (keys of strings)',
    behaviour: () => ({ jwks: (correct) => ({ keys: correct.keys.map(() => 'key') }) }),
  },
  { name: 'answers a JSON array', behaviour: () => ({ jwks: (correct) => correct.keys }) },
  { name: 'answers JSON null', behaviour: () => ({ jwks: () => 'null' }) },
  { name: 'drops the connection', behaviour: () => ({ down: 'destroy', affects: ['jwks'] }) },
  {
    name: 'hangs past httpTimeout',
    behaviour: () => ({ delayMs: HTTP_TIMEOUT * 1000 + 1500, affects: ['jwks'] }),
    slow: true,
  },
  {
    name: 'refuses the connection',
    behaviour: async () => ({ discovery: { jwks_uri: `http://127.0.0.1:${await freePort()}/jwks` } }),
    coldOnly: true,
  },
]

async function startApp(
  harness: Harness,
  outage: Outage,
  options: Parameters<Harness['startApp']>[0] = {},
): Promise<void> {
  if (outage.slow === true) process.env['OIDC_HTTP_TIMEOUT'] = String(HTTP_TIMEOUT)
  try {
    await harness.startApp(options)
  } finally {
    delete process.env['OIDC_HTTP_TIMEOUT']
  }
}

async function bearer(harness: Harness, token: string) {
  const response = await fetch(harness.url('/me'), {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  })
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    challenge: response.headers.get('www-authenticate'),
    body: await response.text(),
  }
}

async function backchannel(harness: Harness, token: string) {
  const body = new URLSearchParams({ logout_token: token }).toString()
  const response = await fetch(harness.url('/backchannel-logout'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  })
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.text() }
}

function expectUnavailable(result: { status: number; retryAfter: string | null; body: string }): void {
  expect(result.status, result.body).toBe(503)
  expect(result.retryAfter, result.body).toMatch(/^\d+$/)
}

/** The knobs an outage changed, back to the correct provider's. */
function repair(rogue: RogueProvider): void {
  rogue.bend({
    jwksStatus: 200,
    jwks: undefined,
    down: false,
    delayMs: 0,
    affects: 'all',
    discovery: { jwks_uri: `${rogue.issuer}/jwks` },
  })
}

describe.each(drivers)('$name: a key server that cannot be read', (driver) => {
  const harness = useHarness(driver)
  afterEach(() => {
    delete process.env['OIDC_HTTP_TIMEOUT']
  })

  describe('at the callback, before the app has any key', () => {
    it.each(outages)('the JWKS $name: 503 + Retry-After, no session; signs in once it is back', async (outage) => {
      harness.rogue.bend(await outage.behaviour(harness.rogue))
      await startApp(harness, outage)
      await expectRefused(harness, await harness.dance(), { status: 503 })
      repair(harness.rogue)
      // An app keeps the jwks_uri it discovered: a provider that advertised a wrong one is
      // fixed for the apps started after.
      if (outage.coldOnly === true) await harness.startApp()
      await expectSignedIn(harness, await harness.dance())
    })
  })

  describe('at the callback, after the provider rotated its key', () => {
    it.each(outages.filter((outage) => outage.coldOnly !== true))(
      'the JWKS $name when the new kid is looked up: 503 + Retry-After, the earlier session kept; signs in once it is back',
      async (outage) => {
        await startApp(harness, outage)
        const earlier = await harness.dance()
        await expectSignedIn(harness, earlier)
        await harness.rogue.rotateKey()
        harness.rogue.bend(await outage.behaviour(harness.rogue))
        await expectRefused(harness, await harness.dance(), { status: 503 })
        const me = await harness.me(earlier.browser)
        expect(me.status, summary(me)).toBe(200)
        repair(harness.rogue)
        await expectSignedIn(harness, await harness.dance())
      },
    )
  })

  it.each(outages.filter((outage) => outage.coldOnly !== true))(
    'a bearer token while the JWKS $name: 503 + Retry-After, not 401; accepted once it is back',
    async (outage) => {
      await startApp(harness, outage, { bearer: true })
      harness.rogue.bend(await outage.behaviour(harness.rogue))
      const token = await mintIdToken(harness.rogue)
      const down = await bearer(harness, token)
      expectUnavailable(down)
      expect(down.challenge ?? '').not.toContain('invalid_token')
      repair(harness.rogue)
      expect((await bearer(harness, token)).status).toBe(200)
    },
  )

  it.each(outages.filter((outage) => outage.coldOnly !== true))(
    'a logout token while the JWKS $name: 503 + Retry-After, the session kept; ended once it is back',
    async (outage) => {
      await startApp(harness, outage)
      harness.rogue.bend({ claims: { sid: 'sid-1' } })
      const dance = await harness.dance()
      await expectSignedIn(harness, dance)
      harness.rogue.bend(await outage.behaviour(harness.rogue))
      const token = () =>
        mintLogoutToken(harness.rogue, { claims: { sid: 'sid-1', exp: Math.floor(Date.now() / 1000) + 120 } })
      expectUnavailable(await backchannel(harness, await token()))
      expect((await harness.me(dance.browser)).status).toBe(200)
      repair(harness.rogue)
      const ended = await backchannel(harness, await token())
      expect(ended.status, ended.body).toBe(200)
      expect((await harness.me(dance.browser)).status).toBe(401)
    },
  )

  describe('a JWKS that was read but holds no usable key still refuses the token', () => {
    const unusable: [string, (rogue: RogueProvider) => Promise<Partial<Behaviour>> | Partial<Behaviour>][] = [
      ['no keys at all', () => ({ jwks: () => ({ keys: [] }) })],
      [
        'the signing key twice under its kid (several keys match)',
        (rogue) => ({ jwks: (correct) => ({ keys: [...correct.keys, rogue.keys.rs256.publicJwk] }) }),
      ],
      [
        "an EC key under the RSA key's kid (a key of the wrong type)",
        (rogue) => ({ jwks: () => ({ keys: [{ ...rogue.keys.es256.publicJwk, kid: rogue.keys.rs256.kid }] }) }),
      ],
      [
        'an RSA key too short to be imported under the kid',
        (rogue) => ({
          jwks: () => ({ keys: [{ kty: 'RSA', kid: rogue.keys.rs256.kid, alg: 'RS256', n: 'AQAB', e: 'AQAB' }] }),
        }),
      ],
      [
        'the signing key for encryption only',
        (rogue) => ({ jwks: () => ({ keys: [{ ...rogue.keys.rs256.publicJwk, use: 'enc' }] }) }),
      ],
      [
        'a private key',
        async (rogue) => {
          const jwk = { ...(await exportJWK(rogue.keys.rs256.privateKey)), kid: rogue.keys.rs256.kid, alg: 'RS256' }
          return { jwks: () => ({ keys: [jwk] }) }
        },
      ],
    ]

    it.each(unusable)('%s: 400 at the callback, 401 for a bearer token', async (_name, behaviour) => {
      await harness.startApp({ bearer: true })
      harness.rogue.bend(await behaviour(harness.rogue))
      await expectRefused(harness, await harness.dance())
      expect((await bearer(harness, await mintIdToken(harness.rogue))).status).toBe(401)
    })
  })
})

describe('a key server outage in the log', () => {
  let rogue: RogueProvider
  beforeAll(async () => {
    rogue = await startRogueProvider()
  })
  afterAll(() => rogue.close())

  it('is logged once with its reason while it lasts (not once per request), and its end once', async () => {
    const errors: string[] = []
    const warnings: string[] = []
    const rp = new RelyingParty(
      {
        issuer: rogue.issuer,
        clientId: rogue.clientId,
        clientSecret: rogue.clientSecret,
        baseURL: 'http://127.0.0.1:1',
        secret: randomBytes(32).toString('base64url'),
        bearer: true,
        logger: { warn: (message) => warnings.push(message), error: (message) => errors.push(message) },
      },
      {},
    )
    const verify = async () => {
      const request = {
        method: 'GET',
        url: '/me',
        headers: {
          authorization: `Bearer ${await mintIdToken(rogue, { claims: { jti: randomBytes(8).toString('hex') } })}`,
        },
      }
      return Promise.resolve(rp.handle(request, () => {})).then(
        (result) => result.context?.user?.['sub'],
        (err: unknown) => (err as { code?: unknown }).code,
      )
    }
    rogue.bend({ jwksStatus: 500 })
    for (let i = 0; i < 3; i += 1) expect(await verify()).toBe('provider_unavailable')
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain('HTTP 500')
    rogue.bend({ jwksStatus: 200 })
    expect(await verify()).toBe('alice')
    expect(warnings.filter((message) => message.includes('fetched again'))).toHaveLength(1)
  })
})
