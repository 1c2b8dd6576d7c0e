/**
 * The browser side of a sign-in: GET /login on the app, follow to the provider's
 * /authorize, which redirects straight back to the app's callback, then GET the callback.
 */
import type { Browser, Exchange } from './browser.js'
import type { CookieJar } from '../../packages/testing/src/cookie-jar.js'

export interface DanceOptions {
  browser: Browser
  /** The app's origin, e.g. http://127.0.0.1:1234 */
  appUrl: string
  /** Query value for /login?returnTo= (omitted when undefined). */
  returnTo?: string
}

export interface ReachedCallback {
  login: Exchange
  authorize: Exchange
  /** Where the provider sent the browser back to: the app's callback with code/state/iss. */
  callbackUrl: URL
  /** The jar just before the callback is requested (holds the login-transaction cookie). */
  jarBeforeCallback: CookieJar
}

export interface Dance extends ReachedCallback {
  callback: Exchange
}

export class DanceError extends Error {
  constructor(step: string, exchange: Exchange) {
    super(
      `${step}: expected a redirect, got ${exchange.status} from ${exchange.method} ${exchange.url.href}: ${exchange.body.slice(0, 300)}`,
    )
    this.name = 'DanceError'
  }
}

/** Everything up to (not including) the request to the callback. */
export async function reachCallback(options: DanceOptions): Promise<ReachedCallback> {
  const { browser } = options
  const loginUrl = new URL('/login', options.appUrl)
  if (options.returnTo !== undefined) loginUrl.searchParams.set('returnTo', options.returnTo)
  const login = await browser.navigate(loginUrl)
  if (login.status < 300 || login.status > 399 || login.location === undefined)
    throw new DanceError('GET /login', login)
  const authorize = await browser.navigate(login.location)
  if (authorize.status !== 302 || authorize.location === undefined) throw new DanceError('GET /authorize', authorize)
  return { login, authorize, callbackUrl: authorize.location, jarBeforeCallback: browser.jar.clone() }
}

/** The whole dance; the callback's answer is returned, not followed. */
export async function loginDance(options: DanceOptions): Promise<Dance> {
  const reached = await reachCallback(options)
  const callback = await options.browser.navigate(reached.callbackUrl)
  return { ...reached, callback }
}
