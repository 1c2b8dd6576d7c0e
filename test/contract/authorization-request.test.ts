/**
 * The authorization request fits the provider: `offline_access` only where the provider
 * lists it (Google and Cognito refuse it), `groups` where it lists that and the groups
 * claim is the default (Dex, Okta), and extra parameters that are numbers or objects
 * (`max_age: 60`, `claims`) sent as the specification writes them.
 */
import { describe, expect, it } from 'vitest'
import { drivers } from './drivers.js'
import { expectSignedIn } from './expectations.js'
import { useHarness, type Harness } from './harness.js'

async function requestedScope(harness: Harness): Promise<string[]> {
  await harness.reachCallback()
  return (harness.rogue.lastAuthorize?.get('scope') ?? '').split(' ')
}

describe.each(drivers)('$name: authorization request', (driver) => {
  const harness = useHarness(driver)

  it('leaves offline_access out when the provider lists scopes without it, and still signs in', async () => {
    harness.rogue.bend({ discovery: { scopes_supported: ['openid', 'email', 'profile'] } })
    await harness.startApp()
    const scope = await requestedScope(harness)
    expect(scope).toEqual(['openid', 'profile', 'email'])
    await expectSignedIn(harness, await harness.dance())
  })

  it('asks for offline_access when the provider lists no scopes at all', async () => {
    harness.rogue.bend({ discovery: { scopes_supported: undefined } })
    await harness.startApp()
    expect(await requestedScope(harness)).toEqual(['openid', 'profile', 'email', 'offline_access'])
  })

  it('adds groups when the provider lists it and the groups claim is the default', async () => {
    harness.rogue.bend({ discovery: { scopes_supported: ['openid', 'profile', 'email', 'offline_access', 'groups'] } })
    await harness.startApp()
    expect(await requestedScope(harness)).toEqual(['openid', 'profile', 'email', 'offline_access', 'groups'])
  })

  it('does not add groups for another groups claim', async () => {
    harness.rogue.bend({ discovery: { scopes_supported: ['openid', 'profile', 'email', 'offline_access', 'groups'] } })
    await harness.startApp({ groupsClaim: 'realm_access.roles' })
    expect(await requestedScope(harness)).not.toContain('groups')
  })

  it('sends numbers as text and objects as JSON', async () => {
    const claims = { id_token: { acr: { essential: true, values: ['urn:mace:incommon:iap:silver'] } } }
    await harness.startApp({ authorizationParams: { max_age: 60, claims, ui_locales: 'fr-CA' } })
    await harness.reachCallback()
    const sent = harness.rogue.lastAuthorize!
    expect(sent.get('max_age')).toBe('60')
    expect(JSON.parse(sent.get('claims') ?? 'null')).toEqual(claims)
    expect(sent.get('ui_locales')).toBe('fr-CA')
  })
})
