import { describe, it } from 'vitest'
import type { Behaviour, RogueProvider } from '../support/rogue-provider.js'
import { drivers } from './drivers.js'
import { expectRefused, expectSignedIn } from './expectations.js'
import { useHarness } from './harness.js'

interface Case {
  name: string
  behaviour: Partial<Behaviour> | ((rogue: RogueProvider) => Partial<Behaviour>)
  /** Sign in once correctly first, so the app already holds the JWKS. */
  warm?: boolean
}

const cases: Case[] = [
  { name: 'an RS256 token with a corrupted signature', behaviour: { sign: 'bad-signature' } },
  {
    name: 'HS256 keyed with a wrong secret',
    behaviour: { sign: 'hs256', hmacSecret: 'not-the-client-secret-but-just-as-long!!' },
  },
  { name: 'alg none', behaviour: { sign: 'none' } },
  {
    name: 'alg none, even when discovery advertises it',
    behaviour: { sign: 'none', discovery: { id_token_signing_alg_values_supported: ['RS256', 'none'] } },
  },
  // The app holds the JWKS already; the unknown kid may make it look again, and still not find it.
  { name: 'a key not in the JWKS, even after a refetch', behaviour: { sign: 'foreign-rs256' }, warm: true },
  { name: 'HS256 keyed with the RSA public key as PEM (alg confusion)', behaviour: { sign: 'hs256-with-public-key' } },
  {
    name: 'HS256 keyed with the RSA public key as JWK JSON (alg confusion)',
    behaviour: { sign: 'hs256-with-public-key', confusionKey: 'jwk-json' },
  },
  {
    name: 'ES256 when discovery lists only RS256',
    behaviour: { sign: 'es256', discovery: { id_token_signing_alg_values_supported: ['RS256'] } },
  },
  { name: 'an ES256 signature under a header claiming RS256', behaviour: { sign: 'es256', header: { alg: 'RS256' } } },
  {
    name: 'an unknown critical header parameter',
    behaviour: { header: { crit: ['urn:rogue:must-understand'], 'urn:rogue:must-understand': true } },
  },
  {
    name: 'a foreign key embedded in the header (jwk)',
    behaviour: (rogue) => ({ sign: 'foreign-rs256', header: { jwk: rogue.keys.foreign.publicJwk } }),
  },
  {
    name: 'a foreign JWKS named by the header (jku)',
    behaviour: (rogue) => ({ sign: 'foreign-rs256', header: { jku: `${rogue.issuer}/foreign/jwks` } }),
  },
]

describe.each(drivers)('$name: ID token signature refusals', (driver) => {
  const harness = useHarness(driver)

  it.each(cases)('refuses $name', async ({ behaviour, warm }) => {
    if (warm === true) await expectSignedIn(harness, await harness.dance())
    harness.rogue.bend(typeof behaviour === 'function' ? behaviour(harness.rogue) : behaviour)
    await expectRefused(harness, await harness.dance())
  })
})
