// Where a route's time goes: `node test/bench/profile.mjs <framework> <store> <path> [cookie|anonymous|bearer]`
// e.g. `node test/bench/profile.mjs express memory /me`. Starts the dev provider and the
// app (with --cpu-prof), signs alice in, loads the route for BENCH_SECONDS (default 10)
// with autocannon, stops the app and prints the top frames of its CPU profile.
// BENCH_MATCH (a regular expression) also lists the inclusive time of matching frames.
import { mkdir, readdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { signIn } from '@oidc-rp/testing'
import { startChild } from './lib/child.mjs'
import { measure } from './lib/load.mjs'
import { summarize } from './lib/profile-top.mjs'
import { startRedis } from './lib/redis.mjs'

let served
const [framework = 'express', store = 'memory', path = '/me', auth = 'cookie'] = process.argv.slice(2)
const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const here = (p) => fileURLToPath(new URL(p, import.meta.url))
const dir = here(`./results/profiles/`)
await mkdir(dir, { recursive: true })
const CLIENT = { clientId: 'oidc-rp-bench', clientSecret: 'oidc-rp-bench-secret-0123456789abcdefghijklmnop' }

const redis = store === 'redis' ? await startRedis() : undefined
const provider = await startChild(here('./lib/provider-process.mjs'), { clients: [CLIENT] }, { name: 'provider' })
const name = `${framework}-${store}-${path.replace(/\W+/g, '')}-${auth}-${Date.now()}.cpuprofile`
const app = await startChild(
  here('./lib/server-process.mjs'),
  {
    framework,
    store,
    redisUrl: redis?.url,
    issuer: provider.issuer,
    secret: 'bench-cookie-secret-0123456789abcdefghijklmnopqrstuvwxyz',
    ...CLIENT,
  },
  { name: framework, execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}`] },
)
try {
  const { cookie } = await signIn(app.url, 'alice')
  let headers = { cookie }
  if (auth === 'anonymous')
    headers = {
      cookie: cookie
        .split('; ')
        .map((c) => `x${c.slice(1)}`)
        .join('; '),
    }
  if (auth === 'bearer') {
    const { idToken } = await (await fetch(`${app.url}/__bench/session`, { headers: { cookie } })).json()
    headers = { authorization: `Bearer ${idToken}` }
  }
  const warm = await measure({ url: app.url, path, headers }, { seconds: 2, connections: 10 })
  const r = await measure({ url: app.url, path, headers }, { seconds, connections: 10 })
  served = warm.requests + r.requests
  console.log(
    `${framework} ${store} ${path} (${auth}): ${Math.round(r.rps)} req/s, p99 ${r.p99.toFixed(2)} ms, statuses ${JSON.stringify(r.statusCodes)}`,
  )
} finally {
  await app.stop()
  await provider.stop()
  await redis?.stop()
}
const file = (await readdir(dir)).find((f) => f === name)
console.log(
  await summarize(`${dir}${file}`, {
    top: Number(process.env.BENCH_TOP ?? 30),
    match: process.env.BENCH_MATCH,
    requests: served,
  }),
)
