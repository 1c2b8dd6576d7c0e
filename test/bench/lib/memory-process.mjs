// Heap per session in the MemoryStore: run with --expose-gc. Fills a store with `count`
// sessions shaped like a real one (a session the dev provider signed in, given by the
// parent): every session has its own tokens of the real lengths, its own claims object
// parsed from JSON as a real sign-in does, its own user (sub) and provider session (sid).
// Then writes `max / 5` more to check the store stays within its bound.
import { randomBytes } from 'node:crypto'
import { MemoryStore } from '@oidc-rp/core'
import { childConfig, serveParent } from './child.mjs'

const { sample, count } = childConfig()

function heap() {
  globalThis.gc()
  globalThis.gc()
  return process.memoryUsage().heapUsed
}

/** A fresh string of `length` URL-safe characters (one byte each in V8). */
function token(length) {
  return randomBytes(Math.ceil((length * 3) / 4) + 3)
    .toString('base64url')
    .slice(0, length)
}

/** A JWT-shaped string as long as the sample's: its header, a payload of this session's claims, a fresh signature. */
function idTokenLike(claims) {
  const [header, , signature] = sample.idToken.split('.')
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url')
  return `${header}.${payload}.${token(signature.length)}`
}

function sessionFor(i) {
  const claimsJson = JSON.stringify({
    ...sample.claims,
    sub: `user-${i}-${token(8)}`,
    sid: token(sample.claims.sid?.length ?? 43),
  })
  const claims = JSON.parse(claimsJson)
  const data = { ...sample, claims, sub: claims.sub, sid: claims.sid, idToken: idTokenLike(claims) }
  if (sample.accessToken !== undefined) data.accessToken = token(sample.accessToken.length)
  if (sample.refreshToken !== undefined) data.refreshToken = token(sample.refreshToken.length)
  return data
}

function tokenBytes(data) {
  return data.idToken.length + (data.accessToken?.length ?? 0) + (data.refreshToken?.length ?? 0)
}

async function run() {
  const max = count
  const store = new MemoryStore({ max })
  const before = heap()
  let tokens = 0
  // Session ids as the core makes them: 32 random bytes, base64url (43 characters).
  for (let i = 0; i < count; i++) {
    const data = sessionFor(i)
    tokens += tokenBytes(data)
    await store.set(randomBytes(32).toString('base64url'), data, 86_400)
  }
  const filled = heap()
  const perSession = (filled - before) / count
  const tokensPerSession = tokens / count

  // Past the bound: the oldest are dropped, the heap stays where it was.
  const extra = Math.ceil(max / 5)
  for (let i = 0; i < extra; i++) await store.set(randomBytes(32).toString('base64url'), sessionFor(count + i), 86_400)
  const overfilled = heap()
  return {
    count,
    max,
    sample: {
      idToken: sample.idToken.length,
      accessToken: sample.accessToken?.length ?? 0,
      refreshToken: sample.refreshToken?.length ?? 0,
      claims: Object.keys(sample.claims),
      fields: Object.keys(sample),
    },
    heapPerSession: perSession,
    tokenBytesPerSession: tokensPerSession,
    beyondTokens: perSession - tokensPerSession,
    sizeAfterOverfill: store.size,
    written: count + extra,
    heapGrowthAfterOverfill: (overfilled - filled) / filled,
  }
}

serveParent({ run }, {})
