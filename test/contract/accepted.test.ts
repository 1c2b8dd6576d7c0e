import { describe, expect, it } from 'vitest'
import type { Behaviour } from '../support/rogue-provider.js'
import { drivers } from './drivers.js'
import { expectSignedIn } from './expectations.js'
import { useHarness } from './harness.js'

const cases: { name: string; behaviour: Partial<Behaviour> }[] = [
  { name: 'an RS256 ID token', behaviour: { sign: 'rs256' } },
  { name: 'an ES256 ID token', behaviour: { sign: 'es256' } },
  { name: 'an HS256 ID token keyed with the client secret', behaviour: { sign: 'hs256' } },
  { name: 'an RS256 ID token without kid (one RSA key published)', behaviour: { header: { kid: undefined } } },
  { name: 'an ID token whose aud is a one-element array', behaviour: { claims: { aud: ['rogue-client'] } } },
  {
    name: 'a provider without RFC 9207 (no iss parameter, not advertised)',
    behaviour: { discovery: { authorization_response_iss_parameter_supported: undefined } },
  },
]

describe.each(drivers)('$name: accepted sign-ins', (driver) => {
  const harness = useHarness(driver)

  it.each(cases)('accepts $name', async ({ behaviour }) => {
    harness.rogue.bend(behaviour)
    const dance = await harness.dance()
    expect(dance.callback.location?.href).toBe(harness.url('/').href)
    await expectSignedIn(harness, dance)
  })

  it('sends a code-flow authorization request with PKCE S256, state and nonce', async () => {
    await harness.reachCallback()
    const request = harness.rogue.lastAuthorize
    expect(request?.get('response_type')).toBe('code')
    expect(request?.get('client_id')).toBe(harness.rogue.clientId)
    expect(request?.get('redirect_uri')).toBe(harness.url('/callback').href)
    expect(request?.get('scope')?.split(' ')).toContain('openid')
    expect(request?.get('code_challenge_method')).toBe('S256')
    expect(request?.get('code_challenge')?.length).toBeGreaterThanOrEqual(43)
    expect(request?.get('state')?.length).toBeGreaterThanOrEqual(16)
    expect(request?.get('nonce')?.length).toBeGreaterThanOrEqual(16)
  })

  // No jwksCooldown option was needed (the contract's oidc() has none): the app refetches
  // the JWKS at once when an ID token from the token endpoint names an unknown kid.
  it('accepts a key rotated in after the app fetched the JWKS', async () => {
    await expectSignedIn(harness, await harness.dance())
    const fetched = harness.rogue.requests.jwks
    expect(fetched).toBeGreaterThan(0)
    await harness.rogue.rotateKey()
    await expectSignedIn(harness, await harness.dance())
    expect(harness.rogue.requests.jwks).toBeGreaterThan(fetched)
  })
})
