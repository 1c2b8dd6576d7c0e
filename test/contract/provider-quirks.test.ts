/**
 * Where providers put groups, emulated with the rogue provider's claims, configured only
 * as the README's provider sections say: Keycloak's realm roles and `session_state`,
 * Auth0's namespaced claim, Cognito's `cognito:groups`, Entra ID's app roles and its groups
 * overage (no `groups`, but `_claim_names`/`_claim_sources`), which must be named as such.
 */
import { describe, expect, it } from 'vitest'
import type { Claims } from '../support/rogue-provider.js'
import { drivers } from './drivers.js'
import { expectSignedIn, summary } from './expectations.js'
import { useHarness, type Harness } from './harness.js'

const cases: [string, string, Claims][] = [
  [
    'Keycloak realm roles',
    'realm_access.roles',
    { groups: undefined, realm_access: { roles: ['offline_access', 'admins'] } },
  ],
  [
    'Keycloak client roles',
    'resource_access.oidc-rp.roles',
    { groups: undefined, resource_access: { 'oidc-rp': { roles: ['admins'] } } },
  ],
  [
    'Auth0 namespaced claim',
    'https://example.com/groups',
    { groups: undefined, 'https://example.com/groups': ['admins'] },
  ],
  ['Cognito groups', 'cognito:groups', { groups: undefined, 'cognito:groups': ['admins'] }],
  ['Entra ID app roles', 'roles', { groups: undefined, roles: ['admins'] }],
]

async function admin(harness: Harness, claims: Claims, groupsClaim: string, accept: 'json' | 'html' = 'json') {
  harness.rogue.bend({ claims })
  await harness.startApp({ groupsClaim })
  const dance = await harness.dance()
  expect(dance.callback.status, summary(dance.callback)).toBe(302)
  expect((await harness.me(dance.browser)).status).toBe(200)
  const url = harness.url('/admin')
  return accept === 'json' ? dance.browser.api(url) : dance.browser.navigate(url)
}

describe.each(drivers)('$name: provider quirks', (driver) => {
  const harness = useHarness(driver)

  it.each(cases)('guards by group with %s (groupsClaim %s)', async (_name, groupsClaim, claims) => {
    const allowed = await admin(harness, claims, groupsClaim)
    expect(allowed.status, summary(allowed)).toBe(200)
  })

  it.each(cases)('refuses without the group with %s', async (_name, groupsClaim, claims) => {
    const without = JSON.parse(JSON.stringify(claims).replaceAll('"admins"', '"developers"')) as Claims
    const refused = await admin(harness, without, groupsClaim)
    expect(refused.status, summary(refused)).toBe(403)
  })

  it("signs in with Keycloak's session_state in the callback", async () => {
    harness.rogue.bend({ authorize: { params: { session_state: '9a1f0a4e-6b4f-4c64-8d0c-3b0d7c5d2e11' } } })
    await expectSignedIn(harness, await harness.dance())
  })

  it('names an Entra ID groups overage in the 403, for APIs and browsers', async () => {
    const overage: Claims = {
      groups: undefined,
      _claim_names: { groups: 'src1' },
      _claim_sources: { src1: { endpoint: 'https://graph.microsoft.com/v1.0/users/x/getMemberObjects' } },
    }
    const api = await admin(harness, overage, 'groups')
    expect(api.status, summary(api)).toBe(403)
    expect(api.body).toContain('groups overage')
    const page = await admin(harness, overage, 'groups', 'html')
    expect(page.status).toBe(403)
    expect(page.body).toContain('groups overage')
    harness.rogue.reset()
    const plain = await admin(harness, { groups: ['developers'] }, 'groups')
    expect(plain.body).not.toContain('overage')
  })
})
