import * as client from 'openid-client'
import type { ResolvedConfig } from '../config/resolve.js'
import { OidcError } from '../errors.js'
import { clearCookie, cookieName, type CookieSigner, serializeCookie } from '../http/cookies.js'
import type { SetCookie } from '../http/types.js'
import type { Cookies } from '../http/cookies.js'
import type { Provider } from './provider.js'
import { isLocalPath } from './return-to.js'

/** Seconds a login may take from the redirect to the callback. */
export const TRANSACTION_LIFETIME = 600

/**
 * Logins in progress per browser (tabs signing in at once). Each has a cookie slot of its
 * own and a new login takes a free slot or the oldest one, so no sequence of logins — even
 * many at once, each seeing the same cookies — can hold more than this many cookies, each
 * bounded by the `returnTo` cap: the Cookie header cannot grow until every route answers 431.
 */
export const TRANSACTION_SLOTS = 3

/** One login in progress, kept in a signed cookie. */
export interface Transaction {
  state: string
  nonce: string
  codeVerifier: string
  returnTo: string
  /** Epoch seconds. */
  createdAt: number
  /** The `max_age` sent: the ID token's `auth_time` must be within it. */
  maxAge?: number
  /** The `acr_values` a step-up guard asked for: the ID token's `acr` must be one of them. */
  acr?: string[]
  /** `prompt=none` (silent sign-in): a `login_required`-like answer lands back on `returnTo`, signed out. */
  silent?: boolean
}

/** What a login asks of the provider beyond a sign-in, and the callback then holds the ID token to. */
export type Asked = Pick<Transaction, 'maxAge' | 'acr' | 'silent'>

const COOKIE_PREFIX = 'tx.'

/** A new login, coming back to `returnTo` (already checked to be a path of this app). */
export function newTransaction(returnTo: string, asked: Asked = {}): Transaction {
  return {
    state: client.randomState(),
    nonce: client.randomNonce(),
    codeVerifier: client.randomPKCECodeVerifier(),
    returnTo,
    createdAt: Math.floor(Date.now() / 1000),
    ...asked,
  }
}

/** RFC 9207: the response names its issuer, and must when the provider says it does. */
export function checkResponseIssuer(iss: string | null, provider: Pick<Provider, 'issuers' | 'metadata'>): void {
  if (
    iss !== null
      ? !provider.issuers.includes(iss)
      : provider.metadata.authorization_response_iss_parameter_supported === true
  ) {
    throw new OidcError(
      'invalid_callback',
      `The sign-in response ${iss === null ? 'does not name' : 'names another'} issuer (RFC 9207 "iss" parameter): it may come from a different provider. Start again from the login page.`,
    )
  }
}

/**
 * The login transaction: `start` writes it in a slot cookie before the redirect to the
 * provider; `consume` finds it by `state` at the callback and uses it up before anything
 * else (its cookie cleared, its state recorded as used), so a callback URL works once.
 */
export class LoginTransactions {
  readonly #signer: CookieSigner
  readonly #secure: boolean
  readonly #base: URL
  readonly #names: readonly string[]
  /** `response_mode=form_post`: the provider POSTs the callback cross-site, which a Lax cookie does not accompany. */
  readonly #sameSite: 'lax' | 'none'
  readonly #place: ResolvedConfig['cookies']

  constructor(config: ResolvedConfig, signer: CookieSigner) {
    this.#signer = signer
    this.#secure = config.secure
    this.#base = config.baseURL
    this.#place = config.cookies
    this.#names = Array.from({ length: TRANSACTION_SLOTS }, (_, i) =>
      cookieName(`${COOKIE_PREFIX}${i}`, config.secure, config.cookies),
    )
    this.#sameSite = config.authorizationParams.response_mode === 'form_post' ? 'none' : 'lax'
  }

  start(tx: Transaction, cookies: Cookies, setCookie: SetCookie): void {
    let slot = 0
    let oldest = Infinity
    for (const [i, name] of this.#names.entries()) {
      const raw = cookies[name]
      const createdAt = raw === undefined ? -1 : (this.#decode(raw)?.createdAt ?? -1)
      if (createdAt < oldest) [slot, oldest] = [i, createdAt]
    }
    const value = this.#signer.sign(Buffer.from(JSON.stringify(tx)).toString('base64url'))
    setCookie(
      serializeCookie(this.#names[slot], value, {
        secure: this.#secure,
        maxAge: TRANSACTION_LIFETIME,
        sameSite: this.#sameSite,
        place: this.#place,
      }),
    )
  }

  /** The transaction `state` names, used up; an `OidcError` that says why when there is none to use. */
  async consume(
    state: string | null,
    cookies: Cookies,
    setCookie: SetCookie,
    consumeOnce: (key: string, ttl: number) => Promise<boolean>,
  ): Promise<Transaction> {
    if (!isPlausibleState(state))
      throw new OidcError(
        'invalid_callback',
        'The sign-in response has no valid state. Start again from the login page.',
      )
    let found: Transaction | undefined
    let tampered = false
    for (const name of this.#names) {
      const raw = cookies[name]
      if (raw === undefined) continue
      const tx = this.#decode(raw)
      if (tx === undefined) tampered = true
      if (tx?.state !== state) continue
      found = tx
      setCookie(clearCookie(name, this.#secure, this.#place))
    }
    if (!found) {
      throw new OidcError(
        'invalid_callback',
        tampered
          ? 'The sign-in transaction cookie is not valid. Start again from the login page.'
          : 'No sign-in is in progress for this response in this browser (it was already used, has expired, or was started elsewhere). Start again from the login page.',
      )
    }
    if (!(await consumeOnce(`tx:${state}`, TRANSACTION_LIFETIME)))
      throw new OidcError(
        'invalid_callback',
        'This sign-in response was already used. Start again from the login page.',
      )
    if (Math.floor(Date.now() / 1000) - found.createdAt > TRANSACTION_LIFETIME)
      throw new OidcError(
        'login_expired',
        'The sign-in took too long and has expired. Start again from the login page.',
      )
    // Checked again where it is used: the cookie is signed, but the check is cheap and the
    // redirect after sign-in is where an open redirect would happen.
    if (!isLocalPath(found.returnTo, this.#base)) found.returnTo = '/'
    return found
  }

  /** The transaction in a cookie, or undefined when the signature or shape is wrong. */
  #decode(value: string): Transaction | undefined {
    const payload = this.#signer.unsign(value)
    if (payload === undefined) return undefined
    try {
      const tx: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
      if (typeof tx !== 'object' || tx === null) return undefined
      const { state, nonce, codeVerifier, returnTo, createdAt, maxAge, acr, silent } = tx as Record<string, unknown>
      if (
        typeof state !== 'string' ||
        typeof nonce !== 'string' ||
        typeof codeVerifier !== 'string' ||
        typeof returnTo !== 'string' ||
        typeof createdAt !== 'number' ||
        (maxAge !== undefined && typeof maxAge !== 'number') ||
        (acr !== undefined && !(Array.isArray(acr) && acr.every((a) => typeof a === 'string'))) ||
        (silent !== undefined && silent !== true)
      )
        return undefined
      return {
        state,
        nonce,
        codeVerifier,
        returnTo,
        createdAt,
        ...(maxAge === undefined ? {} : { maxAge }),
        ...(acr === undefined ? {} : { acr: acr }),
        ...(silent === true ? { silent } : {}),
      }
    } catch {
      return undefined
    }
  }
}

/** A state value is only ever compared and used as a store key: keep it tame. */
function isPlausibleState(state: string | null): state is string {
  return state !== null && /^[A-Za-z0-9_-]{16,128}$/.test(state)
}

/**
 * What a guard asks of the next login, in the `/login` URL it sends a browser to: signed, so
 * a browser cannot choose `max_age`, `acr_values` or `prompt=none` through this way (only
 * those the app allow-lists in `loginParams`), and cannot weaken what the callback checks.
 */
export function encodeAsked(signer: CookieSigner, asked: Asked): string {
  // `for` keeps it from being taken for any other value the same secret signs (a login transaction).
  return signer.sign(Buffer.from(JSON.stringify({ for: 'login', ...asked })).toString('base64url'))
}

export function decodeAsked(signer: CookieSigner, value: string | null): Asked | undefined {
  if (value === null || value.length > 1024) return undefined
  const payload = signer.unsign(value)
  if (payload === undefined) return undefined
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    if (typeof parsed !== 'object' || parsed === null) return undefined
    const { for: purpose, maxAge, acr, silent } = parsed as Record<string, unknown>
    if (purpose !== 'login') return undefined
    const asked: Asked = {}
    if (typeof maxAge === 'number' && Number.isInteger(maxAge) && maxAge >= 0) asked.maxAge = maxAge
    if (Array.isArray(acr) && acr.length > 0) {
      const values = acr.filter((a): a is string => typeof a === 'string')
      if (values.length === acr.length) asked.acr = values
    }
    if (silent === true) asked.silent = true
    return asked
  } catch {
    return undefined
  }
}
