/**
 * Starts one of the examples as a user would: `pnpm --dir examples/<name> start` with no
 * OIDC_* variables (so it starts the embedded dev provider) on a free loopback port.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { freePort } from './net.js'

const root = new URL('../../', import.meta.url).pathname

export interface ExampleProcess {
  /** The app's origin, e.g. http://127.0.0.1:1234 */
  url: string
  /** Everything it printed so far (stdout and stderr). */
  output: () => string
  stop: () => Promise<void>
}

export async function startExample(name: string, env: Record<string, string> = {}): Promise<ExampleProcess> {
  const port = await freePort()
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('OIDC_') && key !== 'REDIS_URL'),
  )
  const child: ChildProcess = spawn('pnpm', ['--dir', `examples/${name}`, 'start'], {
    cwd: root,
    env: { ...clean, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  while (!output.includes(url)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM')
      throw new Error(`examples/${name} did not start:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    url,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      process.kill(-child.pid!, 'SIGTERM')
      await exited
    },
  }
}
