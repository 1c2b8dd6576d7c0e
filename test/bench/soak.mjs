// `pnpm soak`: the soak of issue 12 on its own (after pnpm build), `SOAK_SECONDS` (300) of
// sign-ins, requests, refreshes and logouts with the memory store and with Redis, side by
// side. Prints the samples as they come and the verdicts, writes results/soak.json; exits
// with 1 when a verdict is MISS. See README.md in this folder.
import { mkdir, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { startChild } from './lib/child.mjs'
import { startRedis } from './lib/redis.mjs'
import { soak, soakRows, soakSettings } from './lib/soak.mjs'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))
const settings = soakSettings()
const seconds = settings.seconds
const children = []
const start = async (script, config, name, execArgv = []) => {
  const handle = await startChild(here(script), config, { name, execArgv })
  children.push(handle)
  return handle
}

const redis = await startRedis()
try {
  const results = await soak({
    ...settings,
    redisUrl: redis.url,
    clients: [{ clientId: 'oidc-rp-soak', clientSecret: 'oidc-rp-soak-secret-0123456789abcdefghijklmnop' }],
    secret: 'soak-cookie-secret-0123456789abcdefghijklmnopqrstuvwxyz',
    start,
    log: (message) => console.log(message),
  })
  const rows = soakRows(results, seconds)
  console.log('')
  for (const row of rows) console.log(`${row.result.padEnd(5)} ${row.name}: ${row.figure}   [${row.target}]`)
  await mkdir(here('./results/'), { recursive: true })
  await writeFile(
    here('./results/soak.json'),
    JSON.stringify({ date: new Date().toISOString(), node: process.version, seconds, rows, results }, null, 2),
  )
  console.log('\nwritten: test/bench/results/soak.json')
  process.exitCode = rows.some((row) => row.result === 'MISS') ? 1 : 0
} finally {
  for (const handle of children.reverse()) await handle.stop().catch(() => {})
  await redis.stop()
}
