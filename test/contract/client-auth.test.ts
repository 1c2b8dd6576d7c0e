/**
 * Client authentication at the token endpoint, against a provider that compares Basic
 * credentials as sent (as Glewlwyd and oauth2-mock-server do): a client id and secret made
 * of unreserved characters (`- . _ ~`) must reach it unchanged, while what must be
 * form-urlencoded still is. The method follows the provider's
 * `token_endpoint_auth_methods_supported` unless configured, and a configured method the
 * provider does not list is refused with both lists named.
 */
import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { drivers } from './drivers.js'
import { expectSignedIn, summary } from './expectations.js'
import { useHarness } from './harness.js'

const UNRESERVED_ID = 'oidc-rp_app.v2~eu'
const UNRESERVED_SECRET = 'Zm9v-YmFy_YmF6.cXV4~MTIzNDU2Nzg5MA-_'
const RESERVED_SECRET = "s3cret:with+plus/slash?é 100%!*'()"

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })

describe.each(drivers)('$name: client authentication', (driver) => {
  describe('with a provider that does not decode Basic credentials', () => {
    const harness = useHarness(driver, {
      rogue: { clientId: UNRESERVED_ID, clientSecret: UNRESERVED_SECRET, behaviour: { basicCredentials: 'as-sent' } },
    })

    it('sends an id and secret of unreserved characters unchanged in client_secret_basic', async () => {
      await expectSignedIn(harness, await harness.dance())
      expect(harness.rogue.lastClientAuth).toBe('client_secret_basic')
    })

    it('uses client_secret_post when the provider lists only that', async () => {
      harness.rogue.bend({ discovery: { token_endpoint_auth_methods_supported: ['client_secret_post'] } })
      await harness.startApp()
      await expectSignedIn(harness, await harness.dance())
      expect(harness.rogue.lastClientAuth).toBe('client_secret_post')
    })

    it('uses client_secret_jwt when configured and listed', async () => {
      harness.rogue.bend({
        discovery: { token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_jwt'] },
      })
      await harness.startApp({ clientAuthMethod: 'client_secret_jwt' })
      await expectSignedIn(harness, await harness.dance())
      expect(harness.rogue.lastClientAuth).toBe('client_secret_jwt')
    })

    it('refuses a configured method the provider does not list, naming both', async () => {
      await harness.startApp({ clientAuthMethod: 'client_secret_jwt' })
      const login = await harness.browser().navigate(harness.url('/login'))
      expect(login.status, summary(login)).toBe(503)
      expect(login.body).toContain('client_secret_basic, client_secret_post')
      expect(login.body).toContain('client_secret_jwt')
      expect(harness.rogue.requests.token).toBe(0)
    })
  })

  describe('with a secret that has reserved characters', () => {
    const harness = useHarness(driver, { rogue: { clientId: 'app:1 b', clientSecret: RESERVED_SECRET } })

    it('form-urlencodes what must be encoded in client_secret_basic', async () => {
      await expectSignedIn(harness, await harness.dance())
      expect(harness.rogue.lastClientAuth).toBe('client_secret_basic')
    })
  })

  describe.each([
    [
      'an RSA key as PEM',
      () => ({
        rogueKey: rsa.publicKey,
        privateKey: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      }),
    ],
    [
      'an EC P-256 key as JWK',
      () => ({
        rogueKey: ec.publicKey,
        privateKey: JSON.stringify({ ...ec.privateKey.export({ format: 'jwk' }), kid: 'rp-1' }),
      }),
    ],
  ])('private_key_jwt with %s', (_name, keys) => {
    const { rogueKey, privateKey } = keys()
    const harness = useHarness(driver, {
      rogue: {
        clientId: UNRESERVED_ID,
        clientKey: rogueKey,
        behaviour: { discovery: { token_endpoint_auth_methods_supported: ['private_key_jwt'] } },
      },
    })

    it('signs in with a signed client assertion, chosen from the key alone', async () => {
      await harness.startApp({ clientPrivateKey: privateKey })
      await expectSignedIn(harness, await harness.dance())
      expect(harness.rogue.lastClientAuth).toBe('private_key_jwt')
      expect(harness.rogue.lastTokenRequest?.get('client_assertion')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    })
  })
})
