// @ts-check
// A relying party in a process of its own, for the refresh tests that need several of them
// (or need one killed): Express with its sessions in Redis. Prints `listening <url>` when
// it serves. Environment:
//   PORT            port on 127.0.0.1 (0 or unset: any free one)
//   ISSUER, CLIENT_ID, CLIENT_SECRET, SECRET   the oidc() options
//   REDIS_URL       the RedisStore's URL
//   LOCK_LEASE      seconds of the refresh lock's lease (default: the store's)
//   HTTP_TIMEOUT    the httpTimeout option, seconds (default: the library's)
//   REFRESH_DELAY_MS  holds each refresh grant request this long before sending it: a slow
//                   token endpoint, so that the other processes' requests arrive while a
//                   refresh is in flight (without it, the first refresh is often done before
//                   the other processes have even read the session)
//   FAULT           fault injection at this process's token requests (refresh grants only):
//                   'stall-refresh'      the request never leaves the process (it hangs until
//                                        the process is killed); prints "FAULT stalled"
//                   'die-after-refresh'  the request reaches the provider, which answers; the
//                                        process dies (SIGKILL) before it can use the answer;
//                                        prints "FAULT dying"
import { writeSync } from 'node:fs'
import { createServer } from 'node:http'
import express from 'express'
import { oidc, requireGroup, requiresAuth } from '@oidc-rp/express'
import { RedisStore } from '@oidc-rp/redis'

const env = process.env
const fault = env.FAULT ?? ''
const delay = Number(env.REFRESH_DELAY_MS ?? 0)

if (fault !== '' || delay > 0) {
  if (fault !== '' && fault !== 'stall-refresh' && fault !== 'die-after-refresh')
    throw new Error(`unknown FAULT ${fault}`)
  // openid-client calls the global fetch at each request: wrap it.
  const realFetch = globalThis.fetch
  globalThis.fetch = async (input, init) => {
    const body = init?.body
    if (!(body instanceof URLSearchParams) || body.get('grant_type') !== 'refresh_token') return realFetch(input, init)
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
    if (fault === '') return realFetch(input, init)
    if (fault === 'stall-refresh') {
      writeSync(1, 'FAULT stalled\n')
      return new Promise(() => {})
    }
    const response = await realFetch(input, init)
    writeSync(1, `FAULT dying (the provider answered ${response.status})\n`)
    process.kill(process.pid, 'SIGKILL')
    return new Promise(() => {})
  }
}

const store = new RedisStore({
  url: required('REDIS_URL'),
  ...(env.LOCK_LEASE ? { lockLease: Number(env.LOCK_LEASE) } : {}),
})

const app = express()
const server = createServer(app)
await new Promise((resolve) => server.listen(Number(env.PORT ?? 0), '127.0.0.1', () => resolve(undefined)))
const address = server.address()
if (address === null || typeof address === 'string') throw new Error('no address')
const url = `http://127.0.0.1:${address.port}`

app.use(
  oidc({
    issuer: required('ISSUER'),
    clientId: required('CLIENT_ID'),
    clientSecret: required('CLIENT_SECRET'),
    secret: required('SECRET'),
    baseURL: url,
    authRequired: false,
    bearer: true,
    session: { store },
    ...(env.HTTP_TIMEOUT ? { httpTimeout: Number(env.HTTP_TIMEOUT) } : {}),
  }),
)
app.get('/id-token', requiresAuth(), (req, res) => {
  res.json({ idToken: req.oidc.idToken })
})
app.get('/', (req, res) => {
  res.json({ page: 'public', authenticated: req.oidc.isAuthenticated() })
})
app.get('/me', requiresAuth(), (req, res) => {
  res.json({ ...req.oidc.user, groups: req.oidc.groups })
})
app.get('/admin', requireGroup('admins'), (_req, res) => {
  res.json({ ok: true })
})

process.on('SIGTERM', () => {
  server.close()
  server.closeAllConnections()
  void store.close().finally(() => process.exit(0))
})

console.log(`listening ${url}`)

/** @param {string} name */
function required(name) {
  const value = env[name]
  if (value === undefined || value === '') throw new Error(`app-process: set ${name}`)
  return value
}
