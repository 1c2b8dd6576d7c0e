/**
 * Entra ID multi-tenant apps discover `.../common/v2.0`, whose `issuer` is the template
 * `https://login.microsoftonline.com/{tenantid}/v2.0`; each ID token's `iss` names its
 * tenant and carries `tid`. Accepted only for the tenants the app lists: never by loosening
 * the issuer check. The rogue provider plays Entra behind the app's `fetch`, which sends
 * login.microsoftonline.com to it (the browser is sent to its real authorization endpoint).
 */
import { describe, expect, it } from 'vitest'
import type { Browser, Exchange } from '../support/browser.js'
import { drivers } from './drivers.js'
import { expectRefused, expectSignedIn, summary } from './expectations.js'
import { useHarness, type Harness } from './harness.js'
import { mintIdToken } from './tokens.js'

const ENTRA = 'https://login.microsoftonline.com'
const TENANT_A = '72f988bf-86f1-41af-91ab-2d7cd011db47'
const TENANT_B = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a'
const TENANT_OTHER = '9188040d-6c67-4c5b-b112-36a304b66dad'

/** Entra's paths, served by the rogue provider. */
const ROUTES: Record<string, string> = {
  'openid-configuration': '/.well-known/openid-configuration',
  token: '/token',
  keys: '/jwks',
}

function entraFetch(harness: Harness) {
  return (url: string, init: RequestInit): Promise<Response> => {
    const target = new URL(url)
    if (target.origin !== ENTRA) return fetch(url, init)
    const route = ROUTES[target.pathname.split('/').pop() ?? '']
    if (route === undefined) return Promise.resolve(new Response('not found', { status: 404 }))
    return fetch(harness.rogue.issuer + route, init)
  }
}

function playEntra(harness: Harness, tenant: string, claims: Record<string, unknown> = {}): void {
  harness.rogue.bend({
    discovery: {
      issuer: `${ENTRA}/{tenantid}/v2.0`,
      authorization_endpoint: `${ENTRA}/common/oauth2/v2.0/authorize`,
      token_endpoint: `${ENTRA}/common/oauth2/v2.0/token`,
      jwks_uri: `${ENTRA}/common/discovery/v2.0/keys`,
      userinfo_endpoint: undefined,
      end_session_endpoint: undefined,
      authorization_response_iss_parameter_supported: undefined,
    },
    claims: { iss: `${ENTRA}/${tenant}/v2.0`, tid: tenant, ...claims },
  })
}

/** The sign-in, with the browser sent to the rogue provider where the app sends it to Entra's authorization endpoint. */
async function dance(harness: Harness): Promise<{ browser: Browser; callback: Exchange }> {
  const browser = harness.browser()
  const login = await browser.navigate(harness.url('/login'))
  expect(login.location?.origin, summary(login)).toBe(ENTRA)
  const authorize = await browser.navigate(`${harness.rogue.issuer}/authorize${login.location!.search}`)
  expect(authorize.location, summary(authorize)).toBeDefined()
  return { browser, callback: await browser.navigate(authorize.location!) }
}

async function startEntraApp(harness: Harness, allowedTenants?: string[]): Promise<void> {
  await harness.startApp({
    issuer: `${ENTRA}/common/v2.0`,
    fetch: entraFetch(harness),
    bearer: true,
    ...(allowedTenants ? { allowedTenants } : {}),
  })
}

describe.each(drivers)('$name: multi-tenant issuer', (driver) => {
  const harness = useHarness(driver)

  it.each([TENANT_A, TENANT_B])('signs in a user of an allowed tenant (%s)', async (tenant) => {
    playEntra(harness, tenant)
    await startEntraApp(harness, [TENANT_A, TENANT_B])
    await expectSignedIn(harness, await dance(harness))
  })

  it('refuses a user of another tenant', async () => {
    playEntra(harness, TENANT_OTHER)
    await startEntraApp(harness, [TENANT_A, TENANT_B])
    await expectRefused(harness, await dance(harness))
  })

  it('refuses a token whose iss names an allowed tenant but whose tid is another', async () => {
    playEntra(harness, TENANT_A, { tid: TENANT_OTHER })
    await startEntraApp(harness, [TENANT_A])
    await expectRefused(harness, await dance(harness))
  })

  it('accepts bearer ID tokens of allowed tenants only', async () => {
    playEntra(harness, TENANT_A)
    await startEntraApp(harness, [TENANT_A])
    const call = async (tenant: string) => {
      const token = await mintIdToken(harness.rogue, { claims: { iss: `${ENTRA}/${tenant}/v2.0`, tid: tenant } })
      return (
        await fetch(harness.url('/me'), { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } })
      ).status
    }
    expect(await call(TENANT_A)).toBe(200)
    expect(await call(TENANT_OTHER)).toBe(401)
  })

  it('refuses plain http endpoints of an https issuer cleanly, even on loopback (503, not a 500)', async () => {
    playEntra(harness, TENANT_A)
    harness.rogue.bend({ discovery: { authorization_endpoint: `${harness.rogue.issuer}/authorize` } })
    await startEntraApp(harness, [TENANT_A])
    const login = await harness.browser().navigate(harness.url('/login'))
    expect(login.status, summary(login)).toBe(503)
  })

  it('says that allowedTenants is needed when the issuer is a template', async () => {
    playEntra(harness, TENANT_A)
    await startEntraApp(harness)
    const login = await harness.browser().navigate(harness.url('/login'))
    expect(login.status, summary(login)).toBe(503)
    expect(login.body).toContain('OIDC_ALLOWED_TENANTS')
  })
})
