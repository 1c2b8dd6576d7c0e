// The core's own CPU cost per request, with no framework and no network:
// `RelyingParty.handle()` for a signed-in request (memory store) and for a request with a
// bearer token it has verified before, each then reading `user` as a route would, against
// an anonymous request. Stable enough on a busy machine to compare a change before and
// after it: `node test/bench/core.mjs` (after `pnpm build`). The issuer is the bench's
// own (lib/issuer-process.mjs), discovered once.
import { sign } from 'cookie-signature'
import { MemoryStore, RelyingParty } from '@oidc-rp/core'
import { startChild } from './lib/child.mjs'
import { median } from './lib/load.mjs'

const calls = Number(process.env.BENCH_CORE_CALLS ?? 200_000)
const rounds = Number(process.env.BENCH_CORE_ROUNDS ?? 5)
const secret = 'bench-cookie-secret-0123456789abcdefghijklmnopqrstuvwxyz'
const issuer = await startChild(new URL('./lib/issuer-process.mjs', import.meta.url).pathname, {}, { name: 'issuer' })
const store = new MemoryStore()
const rp = new RelyingParty({
  issuer: issuer.issuer,
  clientId: 'bench',
  clientSecret: 'bench-secret-0123456789abcdefghijklmnop',
  baseURL: 'http://127.0.0.1:8',
  secret,
  authRequired: false,
  bearer: true,
  session: { store },
})

// A session shaped like the dev provider's (see results/latest.json for a real one).
const t = Math.floor(Date.now() / 1000)
const claims = {
  sub: 'alice',
  name: 'Alice Admin',
  preferred_username: 'alice',
  email: 'alice@example.com',
  email_verified: true,
  groups: ['admins', 'developers'],
  iss: issuer.issuer,
  aud: 'bench',
  exp: t + 3600,
  iat: t,
  auth_time: t,
  sid: 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0',
  nonce: 'bm9uY2Vub25jZW5vbmNl',
  at_hash: 'YXRoYXNoYXRoYXNo',
}
const [bearer] = await issuer.call('mint', { count: 1, claims, audience: 'bench' })
const id = 'sessionid0123456789abcdefghijklmnopqrstuvw'
await store.set(
  id,
  {
    sub: 'alice',
    sid: claims.sid,
    claims,
    idToken: 'x'.repeat(900),
    idTokenExpiresAt: t + 3600,
    accessToken: 'a'.repeat(43),
    tokenType: 'Bearer',
    accessTokenExpiresAt: t + 3600,
    refreshToken: 'r'.repeat(43),
    tokensAt: t,
    createdAt: t,
    touchedAt: t,
  },
  86_400,
)
const cookie = `oidc.session=${sign(id, secret)}`
const requests = {
  anonymous: { method: 'GET', url: '/open', headers: { host: '127.0.0.1:8', accept: '*/*', cookie: `x${cookie}` } },
  signedIn: { method: 'GET', url: '/me', headers: { host: '127.0.0.1:8', accept: '*/*', cookie } },
  bearer: {
    method: 'GET',
    url: '/me',
    headers: { host: '127.0.0.1:8', accept: '*/*', authorization: `Bearer ${bearer}` },
  },
}
const noop = () => {}

async function run(name, n) {
  for (let i = 0; i < n; i++) {
    const { context } = await rp.handle({ ...requests[name], headers: { ...requests[name].headers } }, noop)
    if (name !== 'anonymous' && context?.user?.sub !== 'alice')
      throw new Error(`${name}: not signed in (has the session cookie changed name or format?)`)
  }
}
const cpu = { anonymous: [], signedIn: [], bearer: [] }
for (const name of Object.keys(cpu)) await run(name, calls / 10)
for (let r = 0; r < rounds; r++) {
  for (const name of r % 2 ? Object.keys(cpu).reverse() : Object.keys(cpu)) {
    const before = process.cpuUsage()
    await run(name, calls)
    const used = process.cpuUsage(before)
    cpu[name].push((used.user + used.system) / calls)
  }
}
await issuer.stop()
const a = median(cpu.anonymous)
const line = ['signedIn', 'bearer'].map(
  (name) =>
    `${name === 'signedIn' ? 'session (memory store)' : 'bearer (cached)'} ${median(cpu[name]).toFixed(2)} µs (+${(median(cpu[name]) - a).toFixed(2)})`,
)
console.log(`RelyingParty.handle() + user, CPU per call: anonymous ${a.toFixed(2)} µs, ${line.join(', ')}`)
