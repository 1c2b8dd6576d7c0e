import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const run = promisify(execFile)

it('starts without oidc-provider\'s "Unsupported runtime" line on any supported Node, and keeps other warnings', async () => {
  const script = `const { startDevProvider } = await import('@oidc-rp/testing')
console.warn('another warning')
const provider = await startDevProvider({ clients: [{ clientId: 'a', clientSecret: 'b'.repeat(32) }] })
await provider.close()`
  const { stderr } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: new URL('..', import.meta.url).pathname,
  })
  expect(stderr).not.toContain('Unsupported runtime')
  expect(stderr).toContain('another warning')
})
