import { randomBytes } from 'node:crypto'
import type { CookieSigner } from '../http/cookies.js'

/** Seconds a login may take from the redirect to the callback. */
export const TRANSACTION_LIFETIME = 600

/** One login in progress, kept in a signed cookie named after its `state`. */
export interface Transaction {
  state: string
  nonce: string
  codeVerifier: string
  returnTo: string
  /** Epoch seconds. */
  createdAt: number
}

export const TRANSACTION_COOKIE_PREFIX = 'oidc.tx.'

export function encodeTransaction(tx: Transaction, signer: CookieSigner): string {
  return signer.sign(Buffer.from(JSON.stringify(tx)).toString('base64url'))
}

/** The transaction in a cookie, or undefined when the signature or shape is wrong. */
export function decodeTransaction(value: string, signer: CookieSigner): Transaction | undefined {
  const payload = signer.unsign(value)
  if (payload === undefined) return undefined
  try {
    const tx: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    if (typeof tx !== 'object' || tx === null) return undefined
    const { state, nonce, codeVerifier, returnTo, createdAt } = tx as Record<string, unknown>
    if (typeof state !== 'string' || typeof nonce !== 'string' || typeof codeVerifier !== 'string' || typeof returnTo !== 'string' || typeof createdAt !== 'number') return undefined
    return { state, nonce, codeVerifier, returnTo, createdAt }
  } catch {
    return undefined
  }
}

/** A state value is only ever used as a cookie name suffix and a store key: keep it tame. */
export function isPlausibleState(state: string | null): state is string {
  return state !== null && /^[A-Za-z0-9_-]{16,128}$/.test(state)
}

/** 256 random bits. */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url')
}
