import { describe, it } from 'vitest'
import type { Behaviour } from '../support/rogue-provider.js'
import { drivers, type AppOptions } from './drivers.js'
import { expectRefused } from './expectations.js'
import { useHarness } from './harness.js'

interface Case {
  name: string
  behaviour: Partial<Behaviour>
  app?: Partial<AppOptions>
}

const cases: Case[] = [
  { name: 'an RS256 token with a corrupted signature', behaviour: { sign: 'bad-signature' } },
  { name: 'HS256 keyed with a wrong secret', behaviour: { sign: 'hs256', hmacSecret: 'not-the-client-secret-but-just-as-long!!' } },
  { name: 'alg none', behaviour: { sign: 'none' } },
  {
    name: 'alg none, even when discovery advertises it',
    behaviour: { sign: 'none', discovery: { id_token_signing_alg_values_supported: ['RS256', 'none'] } },
  },
  // jwksCooldown 0 so that the unknown kid certainly triggers a refetch, which still lacks it
  { name: 'a key not in the JWKS, even after a refetch', behaviour: { sign: 'foreign-rs256' }, app: { jwksCooldown: 0 } },
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
]

describe.each(drivers)('$name: ID token signature refusals', (driver) => {
  const harness = useHarness(driver)

  it.each(cases)('refuses $name', async ({ behaviour, app }) => {
    if (app !== undefined) await harness.startApp(app)
    harness.rogue.bend(behaviour)
    await expectRefused(harness, await harness.dance())
  })
})
