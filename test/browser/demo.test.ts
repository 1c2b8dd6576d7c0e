/**
 * The demo as a person uses it, in a real browser, for each example: sign in through the
 * dev provider's page, see who you are, open /admin, sign out (at the provider too), get the
 * friendly 403 as bob, and sign in from two tabs at once. Screenshots of the key pages go
 * to test/browser/screenshots/<framework>/.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { startExample, type ExampleProcess } from '../support/example-process.js'
import { launchChromium, screenshotDir } from './chromium.js'

let browser: Browser

beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
})

/** On the provider's sign-in page: click the user's button. */
async function chooseUser(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: new RegExp(name) }).click()
}

describe.each(['express', 'fastify', 'koa'])('examples/%s in Chromium', (framework) => {
  let app: ExampleProcess
  let context: BrowserContext
  const shots = screenshotDir(framework)
  const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true })

  beforeAll(async () => {
    app = await startExample(framework)
  }, 60_000)
  afterAll(async () => {
    await app?.stop()
  })

  it('alice signs in through the provider, sees her name and groups, opens /admin, and signs out everywhere', async () => {
    context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${app.url}/`)
    await page.getByRole('link', { name: 'Sign in' }).waitFor()
    await shot(page, '1-home-signed-out')

    await page.getByRole('link', { name: 'Sign in' }).click()
    await page.getByRole('button', { name: /Alice Admin/ }).waitFor()
    await page.getByText('admins').first().waitFor()
    await shot(page, '2-provider-sign-in')

    await chooseUser(page, 'Alice Admin')
    await page.waitForURL(`${app.url}/`)
    await page.getByRole('heading', { name: 'Hello, Alice Admin' }).waitFor()
    await page.getByText('alice@example.com').waitFor()
    await page.getByText('admins', { exact: true }).waitFor()
    await page.getByText('developers', { exact: true }).waitFor()
    await shot(page, '3-home-alice')

    const admin = await page.goto(`${app.url}/admin`)
    expect(admin?.status()).toBe(200)
    expect(await admin?.json()).toEqual({ ok: true })

    await page.goto(`${app.url}/`)
    await page.getByRole('link', { name: 'Sign out' }).click()
    await page.waitForURL(`${app.url}/`)
    await page.getByRole('link', { name: 'Sign in' }).waitFor()
    expect((await page.goto(`${app.url}/me`))?.url()).toContain('/interaction/') // /me sends to sign in...
    // ...and the provider asks who is signing in: its own session ended too.
    await page.getByRole('button', { name: /Alice Admin/ }).waitFor()
    await shot(page, '4-provider-after-sign-out')
    await context.close()
  })

  it('bob gets the friendly 403 page at /admin, naming the missing group', async () => {
    context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${app.url}/login?returnTo=/admin`)
    await chooseUser(page, 'Bob Builder')
    await page.waitForURL(`${app.url}/admin`)
    await page.getByRole('heading', { name: 'Access denied' }).waitFor()
    await page.getByText(/requires membership of the group admins/).waitFor()
    const status = await page.evaluate(async () => (await fetch('/admin', { headers: { accept: 'text/html' } })).status)
    expect(status).toBe(403)
    await shot(page, '5-admin-forbidden-bob')
    await context.close()
  })

  it('signs in from two tabs at once: the second tab finishes while the first is at the provider, then the first', async () => {
    context = await browser.newContext()
    const first = await context.newPage()
    const second = await context.newPage()
    await first.goto(`${app.url}/login?returnTo=/me`)
    await first.getByRole('button', { name: /Alice Admin/ }).waitFor()
    await second.goto(`${app.url}/login?returnTo=/`)
    await chooseUser(second, 'Alice Admin')
    await second.waitForURL(`${app.url}/`)
    await second.getByRole('heading', { name: 'Hello, Alice Admin' }).waitFor()

    await chooseUser(first, 'Alice Admin')
    await first.waitForURL(`${app.url}/me`)
    expect(JSON.parse(await first.locator('body').innerText())).toMatchObject({ sub: 'alice' })
    await context.close()
  })
})
