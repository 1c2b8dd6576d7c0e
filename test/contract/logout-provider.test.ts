/**
 * Logout that fits the provider: its advertised end_session_endpoint, a configured logout
 * URL for providers that advertise none (Auth0's /v2/logout, Cognito's /logout), or this
 * app only when asked (`idpLogout: false`). `returnTo` lands on a path of this app, checked
 * like login's, and is where the provider sends the browser back.
 */
import { describe, expect, it } from 'vitest'
import type { Browser } from '../support/browser.js'
import { drivers } from './drivers.js'
import { expectSignedIn, summary } from './expectations.js'
import { useHarness, type Harness } from './harness.js'

const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' }

const hostileReturnTo = [
  '//evil.example',
  '/.//evil.example',
  '/%2e%2e//evil.example',
  'https://evil.example/',
  '/\\evil.example',
  'javascript:alert(1)',
]

async function signedInBrowser(harness: Harness): Promise<Browser> {
  const dance = await harness.dance()
  await expectSignedIn(harness, dance)
  return dance.browser
}

async function logout(harness: Harness, browser: Browser, query = ''): Promise<URL> {
  const answer = await browser.navigate(harness.url(`/logout${query}`), { headers: SAME_ORIGIN })
  expect(answer.status, summary(answer)).toBe(302)
  expect((await harness.me(browser)).status, 'signed out here').toBe(401)
  return new URL(answer.rawLocation!, harness.app.url)
}

describe.each(drivers)('$name: logout at the provider', (driver) => {
  const harness = useHarness(driver)

  it('uses the advertised end_session_endpoint, returning to returnTo', async () => {
    const to = await logout(harness, await signedInBrowser(harness), '?returnTo=%2Fbye%3Fa%3D1')
    expect(to.href.startsWith(`${harness.rogue.issuer}/end_session?`)).toBe(true)
    expect(to.searchParams.get('post_logout_redirect_uri')).toBe(`${harness.app.url}/bye?a=1`)
    expect(to.searchParams.get('id_token_hint')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
  })

  it('sends a fresh state to the end_session_endpoint (Glewlwyd comes back to post_logout_redirect_uri only with one)', async () => {
    const first = await logout(harness, await signedInBrowser(harness))
    const second = await logout(harness, await signedInBrowser(harness))
    expect(first.searchParams.get('state')).toMatch(/^[\w-]{16,}$/)
    expect(second.searchParams.get('state')).not.toBe(first.searchParams.get('state'))
  })

  it('uses a configured logout URL for a provider that advertises none, with its placeholders filled', async () => {
    harness.rogue.bend({ discovery: { end_session_endpoint: undefined } })
    const template = `${harness.rogue.issuer}/v2/logout?client_id={client_id}&returnTo={post_logout_redirect_uri}`
    await harness.startApp({ logoutUrl: template })
    const to = await logout(harness, await signedInBrowser(harness))
    expect(to.origin + to.pathname).toBe(`${harness.rogue.issuer}/v2/logout`)
    expect(to.searchParams.get('client_id')).toBe(harness.rogue.clientId)
    expect(to.searchParams.get('returnTo')).toBe(`${harness.app.url}/`)
  })

  it('signs out here only when the provider advertises no endpoint and none is configured', async () => {
    harness.rogue.bend({ discovery: { end_session_endpoint: undefined } })
    await harness.startApp()
    expect((await logout(harness, await signedInBrowser(harness))).href).toBe(`${harness.app.url}/`)
  })

  it('signs out here only with idpLogout: false, even with an advertised endpoint', async () => {
    await harness.startApp({ idpLogout: false })
    expect((await logout(harness, await signedInBrowser(harness), '?returnTo=/bye')).href).toBe(
      `${harness.app.url}/bye`,
    )
  })

  it.each(hostileReturnTo)('never returns to another origin: returnTo=%s', async (returnTo) => {
    await harness.startApp({ idpLogout: false, postLogoutRedirect: '/signed-out' })
    const to = await logout(harness, await signedInBrowser(harness), `?returnTo=${encodeURIComponent(returnTo)}`)
    expect(to.href).toBe(`${harness.app.url}/signed-out`)
  })

  it('keeps a checked returnTo through the confirmation page of a cross-site logout', async () => {
    const browser = await signedInBrowser(harness)
    const page = await browser.navigate(harness.url('/logout?returnTo=/bye'), {
      headers: { 'sec-fetch-site': 'cross-site' },
    })
    expect(page.body).toContain('<form method="post" action="/logout?returnTo=%2Fbye">')
    const hostile = await browser.navigate(harness.url('/logout?returnTo=//evil.example'), {
      headers: { 'sec-fetch-site': 'cross-site' },
    })
    expect(hostile.body).toContain('<form method="post" action="/logout?returnTo=%2F">')
  })
})
