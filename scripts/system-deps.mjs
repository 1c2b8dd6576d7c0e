// Installs the system packages the test suites need (Debian): redis-server, redis-sentinel
// and redis-tools (redis-cli) for the Redis suites, chromium for the browser suites, glewlwyd (with
// sqlite3, a dependency of the package) for the independent-provider suite. Does nothing when they are already there.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const wanted = [
  { command: 'redis-server', paths: ['/usr/bin/redis-server', '/usr/local/bin/redis-server'], pkg: 'redis-server' },
  {
    command: 'redis-sentinel',
    paths: ['/usr/bin/redis-sentinel', '/usr/local/bin/redis-sentinel'],
    pkg: 'redis-sentinel',
  },
  { command: 'redis-cli', paths: ['/usr/bin/redis-cli', '/usr/local/bin/redis-cli'], pkg: 'redis-tools' },
  { command: 'chromium', paths: ['/usr/bin/chromium'], pkg: 'chromium' },
  { command: 'glewlwyd', paths: ['/usr/bin/glewlwyd'], pkg: 'glewlwyd' },
]
const missing = wanted.filter((w) => !w.paths.some((p) => existsSync(p)))
if (missing.length > 0) {
  const pkgs = missing.map((m) => m.pkg)
  const asRoot = process.getuid?.() === 0
  if (!asRoot && !existsSync('/usr/bin/sudo')) {
    console.error(
      `Missing system packages: ${pkgs.join(' ')}. Install them (apt-get install ${pkgs.join(' ')}) and run again.`,
    )
    process.exit(1)
  }
  const run = (args) =>
    execFileSync(asRoot ? args[0] : 'sudo', asRoot ? args.slice(1) : args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    })
  console.log(`Installing ${pkgs.join(' ')} with apt-get...`)
  run(['apt-get', 'update', '-qq'])
  // The tests start their own servers on loopback: the packages' services (glewlwyd's listens on
  // every interface) must not start at install. policy-rc.d is Debian's switch for that; Docker
  // images already have one, which is then left as it is.
  const policy = '/usr/sbin/policy-rc.d'
  const ownPolicy = !existsSync(policy)
  if (ownPolicy) run(['sh', '-c', `printf '#!/bin/sh\\nexit 101\\n' > ${policy} && chmod 755 ${policy}`])
  try {
    run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...pkgs])
  } finally {
    if (ownPolicy) run(['rm', '-f', policy])
  }
}
