import { describe, it } from 'vitest'
import type { Behaviour } from '../support/rogue-provider.js'
import { drivers } from './drivers.js'
import { expectRefused } from './expectations.js'
import { useHarness } from './harness.js'

const cases: { name: string; behaviour: Partial<Behaviour> }[] = [
  { name: 'no ID token in the token response', behaviour: { omitIdToken: true } },
  {
    name: 'a token endpoint invalid_grant',
    behaviour: { tokenStatus: 400, tokenBody: () => ({ error: 'invalid_grant', error_description: 'code expired' }) },
  },
]

describe.each(drivers)('$name: token response refusals', (driver) => {
  const harness = useHarness(driver)

  it.each(cases)('refuses $name', async ({ behaviour }) => {
    harness.rogue.bend(behaviour)
    await expectRefused(harness, await harness.dance())
  })

  // A provider failing is not the user's fault: 503 with Retry-After, as DESIGN's refresh rules.
  it('answers a token endpoint 500 with 503 and Retry-After, and no session', async () => {
    harness.rogue.bend({ tokenStatus: 500, tokenBody: () => ({ error: 'server_error' }) })
    await expectRefused(harness, await harness.dance(), { status: 503 })
  })
})
