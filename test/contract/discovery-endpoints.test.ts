/**
 * Discovered endpoints are checked at discovery: each one advertised is https, or plain
 * http on a loopback host (the rogue provider's issuer is http on 127.0.0.1, so plain http
 * elsewhere is refused). Anything else — `javascript:`, `data:`, `ftp:`, a URL that does
 * not parse, plain http on another host — fails discovery cleanly: 503 + Retry-After, no
 * stack trace, and the reason (which endpoint, which scheme) in the log. An endpoint the
 * provider does not advertise is fine.
 */
import { RelyingParty, type HttpRequest } from '@oidc-rp/core'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRogueProvider, type RogueProvider } from '../support/rogue-provider.js'
import { drivers } from './drivers.js'
import { expectSignedIn, summary } from './expectations.js'
import { useHarness } from './harness.js'

const ENDPOINTS = [
  'authorization_endpoint',
  'token_endpoint',
  'userinfo_endpoint',
  'end_session_endpoint',
  'jwks_uri',
  'revocation_endpoint',
  'introspection_endpoint',
  'pushed_authorization_request_endpoint',
]

/** Values no endpoint may have, with the scheme the log must name (undefined: no scheme to name). */
const HOSTILE: [unknown, string | undefined][] = [
  ['javascript:alert(document.cookie)', 'javascript:'],
  ['JavaScript://%0aalert(1)', 'javascript:'],
  ['data:text/html,<script>alert(1)</script>', 'data:'],
  ['ftp://127.0.0.1/token', 'ftp:'],
  ['file:///etc/passwd', 'file:'],
  ['http://evil.example/endpoint', 'http:'],
  ['http://10.0.0.1/endpoint', 'http:'],
  ['not a url', undefined],
  ['/relative/path', undefined],
  ['https://', undefined],
  [42, undefined],
  [['https://a.example/'], undefined],
]

describe.each(drivers)('$name: discovered endpoints', (driver) => {
  const harness = useHarness(driver)

  it.each(ENDPOINTS)(
    'a hostile %s: sign-in answers 503 + Retry-After, never a 500 or a redirect to it',
    async (endpoint) => {
      for (const [value] of HOSTILE) {
        harness.rogue.bend({ discovery: { [endpoint]: value } })
        await harness.startApp()
        const browser = harness.browser()
        const login = await browser.navigate(harness.url('/login'))
        expect(login.status, `${JSON.stringify(value)}: ${summary(login)}`).toBe(503)
        expect(login.headers.get('retry-after'), summary(login)).toMatch(/^\d+$/)
        expect(login.headers.get('location'), summary(login)).toBeNull()
        const logout = await browser.navigate(harness.url('/logout'))
        expect(logout.status, `${JSON.stringify(value)}: ${summary(logout)}`).toBe(302)
        expect(new URL(logout.headers.get('location')!, harness.app.url).origin, summary(logout)).toBe(harness.app.url)
      }
    },
  )

  it.each([
    'userinfo_endpoint',
    'end_session_endpoint',
    'revocation_endpoint',
    'introspection_endpoint',
    'pushed_authorization_request_endpoint',
  ])('no %s advertised: signs in', async (endpoint) => {
    harness.rogue.bend({ discovery: { [endpoint]: undefined } })
    await expectSignedIn(harness, await harness.dance())
  })

  it('https endpoints on other hosts and plain http on loopback hosts: signs in', async () => {
    const { port } = new URL(harness.rogue.issuer)
    harness.rogue.bend({
      discovery: {
        token_endpoint: `http://localhost:${port}/token`,
        revocation_endpoint: 'https://revoke.example.com/revoke',
        introspection_endpoint: 'https://introspect.example.com/introspect',
      },
    })
    await expectSignedIn(harness, await harness.dance())
  })
})

describe('the reason a discovered endpoint is refused, in the log', () => {
  let rogue: RogueProvider
  beforeAll(async () => {
    rogue = await startRogueProvider()
  })
  afterAll(() => rogue.close())

  async function discoveryLog(endpoint: string, value: unknown): Promise<{ code: unknown; errors: string[] }> {
    rogue.bend({ discovery: { [endpoint]: value } })
    const errors: string[] = []
    const rp = new RelyingParty(
      {
        issuer: rogue.issuer,
        clientId: rogue.clientId,
        clientSecret: rogue.clientSecret,
        baseURL: 'http://127.0.0.1:1',
        secret: randomBytes(32).toString('base64url'),
        logger: { warn: () => {}, error: (message) => errors.push(message) },
      },
      {},
    )
    const request: HttpRequest = { method: 'GET', url: '/login', headers: {} }
    const failure: unknown = await Promise.resolve(rp.handle(request, () => {})).then(
      () => undefined,
      (err: unknown) => err,
    )
    rogue.reset()
    return { code: (failure as { code?: unknown } | undefined)?.code, errors }
  }

  it.each(ENDPOINTS.flatMap((endpoint) => HOSTILE.map(([value, scheme]) => [endpoint, value, scheme] as const)))(
    '%s = %j: provider_unavailable, logged once with the endpoint and the scheme',
    async (endpoint, value, scheme) => {
      const { code, errors } = await discoveryLog(endpoint, value)
      expect(code).toBe('provider_unavailable')
      expect(errors).toHaveLength(1)
      expect(errors[0]).toContain(endpoint)
      if (scheme !== undefined) expect(errors[0]).toContain(scheme)
      // The log names what is wrong, not the hostile document's whole URL.
      if (typeof value === 'string' && value.length > 12) expect(errors[0]).not.toContain(value)
    },
  )
})
