// `pnpm demo [express|fastify|koa]`: starts an example with the embedded dev provider.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'

const framework = process.argv[2] ?? 'express'
const dir = new URL(`../examples/${framework}/`, import.meta.url)
if (!existsSync(dir)) {
  console.error(`No example for "${framework}". Try: pnpm demo express | fastify | koa`)
  process.exit(2)
}
const child = spawn(process.execPath, ['server.js'], {
  cwd: dir,
  stdio: 'inherit',
  env: { PORT: '3000', ...process.env },
})
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code) => process.exit(code ?? 0))
