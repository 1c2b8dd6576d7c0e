import { OidcError } from '@oidc-rp/core'
import { CookieJar } from './cookie-jar.js'
import { loginActionPath, loginPageUid } from './interactions.js'

export interface SignInOptions {
  /** Sent as `?returnTo=` to the app's login route; omitted by default. */
  returnTo?: string
  /** The app's login route. Defaults to `/login`. */
  loginPath?: string
}

export interface SignInResult {
  /**
   * A `Cookie` header value: the cookies the app set that a browser still holds at the end
   * (not the provider's own, although a browser would send those too on the same host).
   */
  cookie: string
  /** Where the app redirected after its callback (its `returnTo`). */
  location: string
}

/** A step of `signIn` failed; `step` and `status` say which and how. */
export class SignInError extends Error {
  override readonly name = 'SignInError'
  constructor(
    readonly step: string,
    readonly status: number | undefined,
    readonly url: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`signIn: ${step}: ${message}`, options)
  }
}

interface Answer {
  url: URL
  status: number
  location: URL | undefined
  /** The Location header as sent. */
  rawLocation: string | undefined
  text: string
}

/** Where a provider hop ended: the login page, or a request to make to the app. */
type Landing = { kind: 'login'; url: URL; uid: string } | { kind: 'app'; url: URL; form: URLSearchParams | undefined }

const MAX_HOPS = 20

/**
 * Signs `userId` in to the app at `appUrl` through the dev provider, without a browser:
 * the app's login route, the provider's redirects, its login page, the app's callback. The
 * app is a black box: its login route must redirect to the provider and it must set its
 * cookies like any web app. Returns the app's cookies and its final redirect.
 */
export async function signIn(appUrl: string, userId: string, options: SignInOptions = {}): Promise<SignInResult> {
  const app = URL.parse(appUrl)
  if (!app || (app.protocol !== 'http:' && app.protocol !== 'https:')) {
    throw new OidcError('invalid_options', `signIn: appUrl must be an absolute http(s) URL, got "${appUrl}"`)
  }
  if (typeof userId !== 'string' || userId === '')
    throw new OidcError('invalid_options', 'signIn: userId must be a non-empty string')
  const jar = new CookieJar()

  const login = new URL(`${app.pathname.replace(/\/$/, '')}${options.loginPath ?? '/login'}`, app)
  if (options.returnTo !== undefined) login.searchParams.set('returnTo', options.returnTo)

  // 1. The app's login route (and any redirects it makes within the app) sends us away.
  let answer = await send(jar, 'app login route', login)
  for (let hops = 0; answer.location && answer.location.origin === app.origin; hops++) {
    if (hops === MAX_HOPS) throw tooManyRedirects('app login route', answer)
    answer = await send(jar, 'app login route', answer.location)
  }
  if (!answer.location) {
    throw failure('app login route', answer, `expected a redirect to the provider, got ${answer.status}`)
  }

  // 2. The provider redirects to its login page; 3. the user is picked.
  let landing = await followProvider(jar, answer.location, app)
  if (landing.kind === 'login') {
    const action = new URL(loginActionPath(landing.uid), landing.url)
    const picked = await send(jar, 'provider login', action, new URLSearchParams({ user: userId }), landing.url.origin)
    if (!picked.location)
      throw failure('provider login', picked, `logging in as "${userId}" failed with ${picked.status}`)
    landing = await followProvider(jar, picked.location, app)
    if (landing.kind === 'login') throw failure('provider login', picked, 'the provider showed its login page again')
  }

  // 4. The provider sends us back to the app's callback, which redirects to returnTo.
  const callback = await send(jar, 'app callback', landing.url, landing.form, landing.form && landing.url.origin)
  if (!callback.location) {
    throw failure('app callback', callback, `expected a redirect after the callback, got ${callback.status}`)
  }
  const final = callback.location
  return {
    cookie: jar.header(final.origin === app.origin ? final : app, app.origin),
    location: callback.rawLocation ?? final.href,
  }
}

/** GETs provider URLs, following redirects, until the login page or a way back to the app. */
async function followProvider(jar: CookieJar, start: URL, app: URL): Promise<Landing> {
  let url = start
  for (let hops = 0; hops < MAX_HOPS; hops++) {
    if (url.origin === app.origin) return { kind: 'app', url, form: undefined }
    const answer = await send(jar, 'provider', url)
    if (answer.location) {
      url = answer.location
      continue
    }
    const uid = loginPageUid(url.pathname)
    if (answer.status === 200 && uid) return { kind: 'login', url, uid }
    const formPost = answer.status === 200 ? autoSubmittedForm(answer.text, url) : undefined
    if (formPost?.url.origin === app.origin) return { kind: 'app', ...formPost }
    throw failure('provider', answer, `unexpected ${answer.status} response`)
  }
  throw new SignInError('provider', undefined, url.href, `more than ${MAX_HOPS} redirects`)
}

/** oidc-provider's `response_mode=form_post` page: one form of hidden inputs. */
function autoSubmittedForm(html: string, base: URL): { url: URL; form: URLSearchParams } | undefined {
  const action = /<form method="post" action="([^"]*)">/.exec(html)?.[1]
  const target = action === undefined ? null : URL.parse(unescapeHtml(action), base.href)
  if (!target) return undefined
  const form = new URLSearchParams()
  for (const [, name = '', value = ''] of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)"\/>/g)) {
    form.append(unescapeHtml(name), unescapeHtml(value))
  }
  return { url: target, form }
}

async function send(jar: CookieJar, step: string, url: URL, form?: URLSearchParams, origin?: string): Promise<Answer> {
  const headers = new Headers({ accept: 'text/html,application/xhtml+xml,*/*;q=0.8' })
  const cookie = jar.header(url)
  if (cookie) headers.set('cookie', cookie)
  if (form) headers.set('content-type', 'application/x-www-form-urlencoded')
  if (form && origin) headers.set('origin', origin)
  let response: Response
  try {
    response = await fetch(url, { method: form ? 'POST' : 'GET', headers, body: form ?? null, redirect: 'manual' })
  } catch (cause) {
    throw new SignInError(step, undefined, url.href, `could not reach ${url.origin} (${String(cause)})`, { cause })
  }
  jar.store(url, response)
  const text = await response.text()
  const location = response.status >= 300 && response.status < 400 ? response.headers.get('location') : null
  return {
    url,
    status: response.status,
    location: location === null ? undefined : new URL(location, url),
    rawLocation: location ?? undefined,
    text,
  }
}

function failure(step: string, answer: Answer, message: string): SignInError {
  const excerpt = answer.text
    .replace(/<(style|script)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300)
  const detail = excerpt ? ` — ${unescapeHtml(excerpt)}` : ''
  return new SignInError(step, answer.status, answer.url.href, `${message} at ${answer.url.href}${detail}`)
}

function tooManyRedirects(step: string, answer: Answer): SignInError {
  return new SignInError(step, answer.status, answer.url.href, `more than ${MAX_HOPS} redirects`)
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'", '#x2F': '/' }

function unescapeHtml(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39|#x27|#x2F);/g, (_, entity: string) => ENTITIES[entity] ?? '')
}
