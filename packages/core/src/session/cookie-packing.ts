import type { Claims } from '../identity.js'
import type { SessionRef } from './backend.js'
import type { SessionData } from '../store.js'

/**
 * A token as the bytes its base64url segments encode, when they encode back to the very
 * same string: the lengths of its segments (`.`-separated), the bytes in the cookie's
 * binary tail. JSON headers and payloads then compress to a third or less (base64url
 * hardly compresses), signatures and random tokens take 3/4 of their text. Anything else
 * (a token with other characters, or non-canonical base64url) is kept as a string.
 */
type PackedToken = string | number[]

/**
 * What a session cookie holds, before compression: this JSON, a newline (JSON.stringify
 * never writes one), then the tokens' bytes. Claims whose value is the ID token's own are
 * not stored twice: they are read back from the stored ID token's payload, which is safe
 * because that token was verified when it was received, and the cookie is authenticated
 * encryption (it cannot be altered, nor the token swapped). A claim that differs from the
 * token's (added by userinfo, changed or dropped when the claims were taken in) is stored
 * as it is, so the claims come back exactly as they were. The shape differs from the
 * earlier `{ id, data }` on purpose: an earlier version refuses this cookie (its user signs
 * in again) rather than read a session with claims missing.
 */
interface Packed {
  id: string
  s: Omit<SessionData, 'claims' | 'idToken' | 'accessToken' | 'refreshToken'> & {
    /** Only the claims not read back from the ID token. */
    claims: Record<string, unknown>
    idToken: PackedToken
    accessToken?: PackedToken
    refreshToken?: PackedToken
  }
  /** Every claim name, in order. */
  k: string[]
}

const NEWLINE = 0x0a

export function pack(ref: SessionRef): Buffer {
  const { claims, idToken, accessToken, refreshToken, ...rest } = ref.data
  const tail: Buffer[] = []
  const packToken = (token: string): PackedToken => {
    const text = token.split('.')
    const segments = text.map((segment) => Buffer.from(segment, 'base64url'))
    if (segments.some((bytes, i) => bytes.toString('base64url') !== text[i])) return token
    tail.push(...segments)
    return segments.map((bytes) => bytes.length)
  }
  const packedIdToken = packToken(idToken)
  // The ID token's payload is its second segment, the first bytes after its header.
  const inToken = typeof packedIdToken === 'string' || packedIdToken.length < 2 ? undefined : jsonObject(tail[1])
  const same = (key: string, value: unknown) =>
    inToken !== undefined && Object.hasOwn(inToken, key) && JSON.stringify(inToken[key]) === JSON.stringify(value)
  const packed: Packed = {
    id: ref.id,
    s: {
      ...rest,
      // fromEntries: a claim named __proto__ stays a plain key.
      claims: Object.fromEntries(Object.entries(claims).filter(([key, value]) => !same(key, value))),
      idToken: packedIdToken,
      ...(accessToken === undefined ? {} : { accessToken: packToken(accessToken) }),
      ...(refreshToken === undefined ? {} : { refreshToken: packToken(refreshToken) }),
    },
    k: Object.keys(claims).filter((key) => key !== '__proto__'),
  }
  return Buffer.concat([Buffer.from(JSON.stringify(packed)), Buffer.from([NEWLINE]), ...tail])
}

/**
 * The session a cookie holds (either layout), or undefined. On every request, so: plain
 * loops, the parsed object completed in place (it is ours alone), one JSON.parse of the
 * ID token's payload instead of the stored claims, and tokens encoded from the tail.
 */
export function unpack(plain: Buffer): SessionRef | undefined {
  const newline = plain.indexOf(NEWLINE)
  const parsed = JSON.parse(plain.toString('utf8', 0, newline === -1 ? plain.length : newline)) as Partial<Packed> & {
    data?: SessionData
  }
  if (typeof parsed.id !== 'string') return undefined
  if (newline === -1) return typeof parsed.data?.sub === 'string' ? { id: parsed.id, data: parsed.data } : undefined // written before packing
  const stored = parsed.s
  if (typeof stored?.sub !== 'string' || !Array.isArray(parsed.k)) return undefined
  let offset = newline + 1
  let payload: Buffer | undefined
  const unpackToken = (token: PackedToken): string => {
    if (typeof token === 'string') return token
    let text = ''
    for (let i = 0; i < token.length; i += 1) {
      const end = offset + token[i]
      if (end > plain.length) throw new RangeError('session cookie: token bytes out of range')
      if (token === stored.idToken && i === 1) payload = plain.subarray(offset, end)
      text += (i === 0 ? '' : '.') + plain.toString('base64url', offset, end)
      offset = end
    }
    return text
  }
  const idToken = unpackToken(stored.idToken)
  if (stored.accessToken !== undefined) stored.accessToken = unpackToken(stored.accessToken)
  if (stored.refreshToken !== undefined) stored.refreshToken = unpackToken(stored.refreshToken)
  const own = stored.claims
  const inToken = payload === undefined ? undefined : jsonObject(payload)
  const claims: Record<string, unknown> = {}
  for (const key of parsed.k) {
    if (key === '__proto__') continue // never a claim (and pack never writes one)
    claims[key] = Object.hasOwn(own, key)
      ? own[key]
      : inToken !== undefined && Object.hasOwn(inToken, key)
        ? inToken[key]
        : undefined
  }
  // Every token is a string again (just above).
  return { id: parsed.id, data: Object.assign(stored, { claims: claims as Claims, idToken }) as SessionData }
}

function jsonObject(bytes: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}
