import { describe, it } from 'vitest'
import type { Overrides } from '../support/rogue-provider.js'
import { drivers } from './drivers.js'
import { expectRefused, expectSignedIn } from './expectations.js'
import { useHarness } from './harness.js'

interface Context {
  now: number
  clientId: string
}

interface Case {
  name: string
  /** Claim overrides; undefined deletes the claim. */
  claims: (context: Context) => Overrides
}

const HOUR = 3600

const cases: Case[] = [
  { name: 'a wrong iss', claims: () => ({ iss: 'https://evil.example' }) },
  { name: 'a missing aud', claims: () => ({ aud: undefined }) },
  { name: 'a wrong aud', claims: () => ({ aud: 'another-client' }) },
  { name: 'several audiences without azp', claims: ({ clientId }) => ({ aud: [clientId, 'another-client'] }) },
  {
    name: 'several audiences with azp not the client',
    claims: ({ clientId }) => ({ aud: [clientId, 'another-client'], azp: 'another-client' }),
  },
  { name: 'azp not the client, with a single aud', claims: () => ({ azp: 'another-client' }) },
  { name: 'a missing sub', claims: () => ({ sub: undefined }) },
  { name: 'a missing iat', claims: () => ({ iat: undefined }) },
  { name: 'a missing exp', claims: () => ({ exp: undefined }) },
  {
    name: 'exp an hour ago',
    claims: ({ now }) => ({ exp: now - HOUR, iat: now - 2 * HOUR, auth_time: now - 2 * HOUR }),
  },
  { name: 'nbf an hour from now', claims: ({ now }) => ({ nbf: now + HOUR }) },
  { name: 'iat an hour from now', claims: ({ now }) => ({ iat: now + HOUR, exp: now + 2 * HOUR }) },
  { name: 'a missing nonce', claims: () => ({ nonce: undefined }) },
  { name: 'a wrong nonce', claims: () => ({ nonce: 'not-the-nonce-of-this-login' }) },
  { name: 'an at_hash that does not match the access token', claims: () => ({ at_hash: 'x2bfWkcHUnsVtexb8M4ZMA' }) },
  { name: 'an empty sub', claims: () => ({ sub: '' }) },
  { name: 'a sub that is not a string', claims: () => ({ sub: 42 }) },
]

describe.each(drivers)('$name: ID token claim refusals', (driver) => {
  const harness = useHarness(driver)

  it.each(cases)('refuses $name', async ({ claims }) => {
    const { clientId } = harness.rogue
    harness.rogue.bend({ claims: claims({ now: Math.floor(Date.now() / 1000), clientId }) })
    await expectRefused(harness, await harness.dance())
  })

  it.each(['at+jwt', 'logout+jwt'])('refuses a token typed %s in place of the ID token', async (typ) => {
    harness.rogue.bend({ header: { typ } })
    await expectRefused(harness, await harness.dance())
  })

  it('requires a recent auth_time when max_age is requested', async () => {
    // The app asks for max_age; the rogue provider's default auth_time is "now".
    await harness.startApp({ authorizationParams: { max_age: '60' } })
    await expectSignedIn(harness, await harness.dance())
    const now = Math.floor(Date.now() / 1000)
    harness.rogue.bend({ claims: { auth_time: now - 3600 } })
    await expectRefused(harness, await harness.dance())
    harness.rogue.bend({ claims: { auth_time: undefined } })
    await expectRefused(harness, await harness.dance())
  })
})
