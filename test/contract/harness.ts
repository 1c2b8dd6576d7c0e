/**
 * Per-driver fixture for a contract test file: one rogue provider for the file, a fresh
 * app per test (own session store and JWKS cache), browsers that record every exchange,
 * and a check after each test that no response leaked a stack trace or the client secret.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import { Browser, type Exchange } from '../support/browser.js'
import type { CookieJar } from '../../packages/testing/src/cookie-jar.js'
import { loginDance, reachCallback, type Dance, type ReachedCallback } from '../support/login-dance.js'
import { startRogueProvider, type RogueProvider, type RogueProviderOptions } from '../support/rogue-provider.js'
import type { AppExtras, AppOptions, Driver, RunningApp } from './drivers.js'
import { expectNoLeaks } from './expectations.js'

export interface Harness {
  readonly rogue: RogueProvider
  readonly app: RunningApp
  /** The options the current app was started with. */
  readonly options: AppOptions
  /** Every exchange of every browser of the current test. */
  readonly log: Exchange[]
  /** Restarts the app with these options on top of the defaults. */
  startApp(overrides?: Partial<AppOptions>, extras?: AppExtras): Promise<RunningApp>
  browser(options?: { jar?: CookieJar }): Browser
  /** Up to the callback URL, in a new browser unless one is given. */
  reachCallback(options?: { browser?: Browser; returnTo?: string }): Promise<ReachedCallback & { browser: Browser }>
  /** The whole sign-in dance, in a new browser unless one is given. */
  dance(options?: { browser?: Browser; returnTo?: string }): Promise<Dance & { browser: Browser }>
  /** GET /me as an API call (Accept: application/json). */
  me(browser: Browser): Promise<Exchange>
  url(path: string): URL
}

/** `rogue`: options of the file's provider (its client id, secret, key). */
export function useHarness(driver: Driver, setup: { rogue?: RogueProviderOptions } = {}): Harness {
  let rogue: RogueProvider | undefined
  let app: RunningApp | undefined
  let options: AppOptions | undefined
  const log: Exchange[] = []

  const required = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`contract harness: ${what} is not started (use it inside a test)`)
    return value
  }

  const harness: Harness = {
    get rogue() {
      return required(rogue, 'the rogue provider')
    },
    get app() {
      return required(app, 'the app')
    },
    get options() {
      return required(options, 'the app')
    },
    log,
    async startApp(overrides = {}, extras = {}) {
      await app?.close()
      app = undefined
      const provider = harness.rogue
      options = {
        issuer: provider.issuer,
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
        secret: `contract-${randomBytes(24).toString('base64url')}`,
        authRequired: false,
        ...overrides,
      }
      app = await driver.start(options, extras)
      return app
    },
    browser: (browserOptions = {}) => new Browser({ ...browserOptions, log }),
    async reachCallback(danceOptions = {}) {
      const browser = danceOptions.browser ?? harness.browser()
      return {
        ...(await reachCallback({ browser, appUrl: harness.app.url, ...withReturnTo(danceOptions.returnTo) })),
        browser,
      }
    },
    async dance(danceOptions = {}) {
      const browser = danceOptions.browser ?? harness.browser()
      return {
        ...(await loginDance({ browser, appUrl: harness.app.url, ...withReturnTo(danceOptions.returnTo) })),
        browser,
      }
    },
    me: (browser) => browser.api(harness.url('/me')),
    url: (path) => new URL(path, harness.app.url),
  }

  beforeAll(async () => {
    rogue = await startRogueProvider(setup.rogue)
  })
  beforeEach(async () => {
    harness.rogue.reset()
    log.length = 0
    await harness.startApp()
  })
  afterEach(async () => {
    try {
      expectNoLeaks({ log, secrets: [harness.rogue.clientSecret, ...[harness.options.secret].flat()] })
    } finally {
      await app?.close()
      app = undefined
    }
  })
  afterAll(async () => {
    await rogue?.close()
  })
  return harness
}

function withReturnTo(returnTo: string | undefined): { returnTo?: string } {
  return returnTo === undefined ? {} : { returnTo }
}
