/**
 * The demo as a person uses it, in a real browser, for each example: sign in through the
 * dev provider's page, see who you are, open /admin, sign out (at the provider too), get the
 * friendly 403 as bob, see dave refused at sign-in (his email is not verified), step up at
 * /recent through the provider, and sign in from two tabs at once. One Chromium for the file,
 * a fresh context (cookies, storage) per test. Screenshots of the key pages go to
 * test/browser/screenshots/<framework>/.
 */
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page, Response } from 'playwright-core'
import { startExample, type ExampleProcess } from '../support/example-process.js'
import { launchChromium, screenshotDir } from './chromium.js'

let browser: Browser

beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
})

/** On the provider's sign-in page: one click on the user's button. */
async function chooseUser(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: new RegExp(name) }).click()
}

/**
 * After following a sign-in link: the provider's sign-in page is showing (not the app's
 * signed-in home page, as when the provider still had a session), listing its users with
 * their groups.
 */
async function expectProviderSignIn(page: Page): Promise<void> {
  await page.getByRole('heading', { name: /^(Sign in|Hello)/ }).waitFor()
  expect(new URL(page.url()).pathname, "the provider's sign-in page").toMatch(/^\/interaction\//)
  const alice = page.getByRole('button', { name: /Alice Admin/ })
  expect(await alice.innerText()).toMatch(/alice@example\.com\b.*\s+admins\s+developers/)
  await page.getByRole('button', { name: /Bob Builder/ }).waitFor()
}

describe.each(['express', 'fastify', 'koa'])('examples/%s in Chromium', (framework) => {
  let app: ExampleProcess
  let context: BrowserContext
  /**
   * What went wrong in the pages: script errors, console errors (CSP refusals...) and failed
   * subresource loads. None expected. Failed loads are told by the response, so the 403
   * document itself and the favicon Chromium asks for on a JSON page do not count.
   */
  let pageErrors: string[]
  const shots = screenshotDir(framework)
  const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true })

  async function newPage(): Promise<Page> {
    const page = await context.newPage()
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
        pageErrors.push(`${page.url()}: ${message.text()}`)
    })
    page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`))
    page.on('response', (response) => {
      const request = response.request()
      if (
        response.status() >= 400 &&
        !request.isNavigationRequest() &&
        new URL(response.url()).pathname !== '/favicon.ico'
      ) {
        pageErrors.push(`${request.method()} ${response.url()}: ${response.status()}`)
      }
    })
    page.on('requestfailed', (request) =>
      pageErrors.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`),
    )
    return page
  }

  /** The response to the navigation that lands on `url` (after any redirects), while `act` runs. */
  async function landing(page: Page, url: string, act: () => Promise<unknown>): Promise<Response> {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url() === url && r.request().isNavigationRequest()),
      act(),
    ])
    return response
  }

  beforeAll(async () => {
    // /recent wants a sign-in within 3 seconds here (60 in the example), without clock leeway:
    // the step-up round trip without a minute's wait.
    app = await startExample(framework, { RECENT_MAX_AGE: '3', OIDC_CLOCK_TOLERANCE: '0' })
  }, 60_000)
  afterAll(async () => {
    await app?.stop()
  })
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1000, height: 720 } })
    // Well under the test timeout, so a stuck step fails naming what it waited for.
    context.setDefaultTimeout(10_000)
    pageErrors = []
  })
  afterEach(async () => {
    await context?.close()
    expect(pageErrors).toEqual([])
  })

  it('alice signs in through the provider, sees her name and groups, opens /admin, and signs out at the provider too', async () => {
    const page = await newPage()
    await page.goto(`${app.url}/`)
    await page.getByRole('heading', { name: 'Welcome' }).waitFor()
    await shot(page, '1-home-signed-out')

    await page.getByRole('link', { name: 'Sign in' }).click()
    await expectProviderSignIn(page)
    await shot(page, '2-provider-sign-in')

    await chooseUser(page, 'Alice Admin')
    await page.waitForURL(`${app.url}/`)
    await page.getByRole('heading', { name: 'Hello, Alice Admin' }).waitFor()
    expect(await page.locator('#email').innerText()).toBe('alice@example.com')
    expect(await page.locator('#groups .badge').allInnerTexts()).toEqual(['admins', 'developers'])
    await page.getByText('Session ends').waitFor()
    await shot(page, '3-home-alice')

    const admin = await landing(page, `${app.url}/admin`, () => page.getByRole('link', { name: /\/admin/ }).click())
    expect(admin.status()).toBe(200)
    expect(await admin.json()).toEqual({ ok: true })

    await page.goto(`${app.url}/`)
    await page.getByRole('link', { name: 'Sign out' }).click()
    // /logout → the provider's end-session page (which confirms itself) → back home, with
    // the state that logout sends (some providers come back only with one).
    await page.waitForURL((url) => url.origin + url.pathname === `${app.url}/` && url.searchParams.has('state'))
    await page.getByRole('link', { name: 'Sign in' }).waitFor()
    const me = await page.request.get(`${app.url}/me`, { headers: { accept: 'application/json' }, maxRedirects: 0 })
    expect(me.status()).toBe(401)

    // Signed out at the provider too: signing in asks who again rather than signing alice back in.
    await page.getByRole('link', { name: 'Sign in' }).click()
    await expectProviderSignIn(page)
    await shot(page, '4-provider-after-sign-out')
  })

  it('bob gets the friendly 403 page at /admin naming the missing group; API clients still get JSON', async () => {
    const page = await newPage()
    await page.goto(`${app.url}/`)
    await page.getByRole('link', { name: 'Sign in' }).click()
    await expectProviderSignIn(page)
    await chooseUser(page, 'Bob Builder')
    await page.getByRole('heading', { name: 'Hello, Bob Builder' }).waitFor()
    expect(await page.locator('#groups .badge').allInnerTexts()).toEqual(['developers'])

    const admin = await landing(page, `${app.url}/admin`, () => page.getByRole('link', { name: /\/admin/ }).click())
    expect(admin.status()).toBe(403)
    await page.getByRole('heading', { name: 'Access denied' }).waitFor()
    await page.getByText('This page requires membership of the group admins.').waitFor()
    await page.getByText(/signed in as Bob Builder/).waitFor()
    await shot(page, '5-admin-forbidden-bob')

    const api = await page.request.get(`${app.url}/admin`, { headers: { accept: 'application/json' } })
    expect(api.status()).toBe(403)
    expect(await api.json()).toMatchObject({ error: 'forbidden' })
  })

  it('steps up at /recent: an old sign-in goes back through the provider and lands on the JSON', async () => {
    const page = await newPage()
    await page.goto(`${app.url}/`)
    await page.getByRole('link', { name: 'Sign in' }).click()
    await expectProviderSignIn(page)
    await chooseUser(page, 'Alice Admin')
    await page.getByRole('heading', { name: 'Hello, Alice Admin' }).waitFor()
    const signedInAt = Math.floor(Date.now() / 1000)

    await page.waitForTimeout(4000) // past the 3 seconds
    await page.getByRole('link', { name: /\/recent/ }).click()
    // The provider asks again (max_age) rather than answering from its session...
    await expectProviderSignIn(page)
    await shot(page, '6-provider-step-up')
    // ...and the browser comes back to /recent, now with a sign-in of a moment ago.
    const recent = await landing(page, `${app.url}/recent`, () => chooseUser(page, 'Alice Admin'))
    expect(recent.status()).toBe(200)
    const body = (await recent.json()) as { ok: boolean; auth_time: number }
    expect(body.ok).toBe(true)
    expect(body.auth_time).toBeGreaterThan(signedInAt + 3)
  })

  it('dave, whose email is not verified, is refused by the sign-in hook with a 403 page saying so, and stays signed out', async () => {
    const page = await newPage()
    await page.goto(`${app.url}/`)
    await page.getByRole('link', { name: 'Sign in' }).click()
    await expectProviderSignIn(page)
    const [callback] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/callback' && r.request().isNavigationRequest()),
      chooseUser(page, 'Dave Unverified'),
    ])
    expect(callback.status()).toBe(403)
    await page.getByRole('heading', { name: 'Sign-in refused' }).waitFor()
    await page.getByText('The email address dave@example.com is not verified').waitFor()
    await shot(page, '7-sign-in-refused-dave')
    const me = await page.request.get(`${app.url}/me`, { headers: { accept: 'application/json' }, maxRedirects: 0 })
    expect(me.status()).toBe(401)
  })

  it('signs in from two tabs at once: the second tab finishes while the first waits at the provider, then the first', async () => {
    const first = await newPage()
    const second = await newPage()
    await first.goto(`${app.url}/login?returnTo=/me`)
    await expectProviderSignIn(first)
    await second.goto(`${app.url}/login?returnTo=/`)
    await expectProviderSignIn(second)
    expect(new URL(second.url()).pathname).not.toBe(new URL(first.url()).pathname) // two sign-ins in flight

    await chooseUser(second, 'Alice Admin')
    await second.waitForURL(`${app.url}/`)
    await second.getByRole('heading', { name: 'Hello, Alice Admin' }).waitFor()

    const me = await landing(first, `${app.url}/me`, () => chooseUser(first, 'Alice Admin'))
    expect(me.status()).toBe(200)
    expect(await me.json()).toMatchObject({ sub: 'alice', email: 'alice@example.com' })

    // Both tabs are signed in (they share the browser's cookies).
    await second.reload()
    await second.getByRole('heading', { name: 'Hello, Alice Admin' }).waitFor()
  })
})
