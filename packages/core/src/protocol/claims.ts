import { ID_TOKEN_ONLY, type Claims } from '../identity.js'

/**
 * Keys that reach an object's prototype when copied by assignment (`user[key] = value`):
 * a claim named `__proto__` would become the prototype of the user's claims, and a guard
 * could then read a value that is no claim at all. Never claims, at any depth.
 */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

/** Deeper than this, a claim value is dropped: no provider nests claims like that. */
const MAX_DEPTH = 16

/**
 * JSON from a token or a userinfo response, rebuilt as plain data without the keys that
 * reach a prototype. Every claim that comes in goes through here once, where it comes in.
 */
export function safeJson(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (depth >= MAX_DEPTH) return undefined
  if (Array.isArray(value)) return value.map((item) => safeJson(item, depth + 1))
  const copy: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    if (UNSAFE_KEYS.has(key)) continue
    const safe = safeJson(item, depth + 1)
    if (safe !== undefined) copy[key] = safe
  }
  return copy
}

/** `safeJson` for a claims object. */
export function safeClaims<T extends Record<string, unknown>>(claims: T): T {
  return safeJson(claims) as T
}

/** Userinfo claims (already checked to be for the same `sub`) merged under the ID token's protocol claims. */
export function withUserInfoClaims(idClaims: Claims, userInfo: Record<string, unknown>): Claims {
  const merged: Record<string, unknown> = { ...idClaims, ...safeClaims(userInfo) }
  for (const name of ID_TOKEN_ONLY) {
    if (idClaims[name] === undefined) delete merged[name]
    else merged[name] = idClaims[name]
  }
  return merged as Claims
}
