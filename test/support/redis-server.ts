/**
 * A real `redis-server` (the Debian package; scripts/system-deps.mjs installs it) for tests:
 * on a free loopback port, in a temporary directory, with the append-only file fsynced at
 * every write, so `restart()` (same port, same directory) keeps every key, even after
 * `stop('SIGKILL')`. The server is killed when the test process exits, whatever happens.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './net.js'

export interface RedisServer {
  /** redis://127.0.0.1:<port> */
  readonly url: string
  readonly port: number
  /** Where the append-only file lives. */
  readonly dir: string
  /** Whether the server process is running. */
  readonly running: boolean
  /** Stops the server: SIGTERM is a clean shutdown, SIGKILL a crash. Resolves once it has exited. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>
  /** Starts it again on the same port with the same data (stops it first if it runs). */
  restart(): Promise<void>
  /** Stops it for good and removes its directory. */
  close(): Promise<void>
}

const READY = /Ready to accept connections/
const START_TIMEOUT_MS = 10_000

export async function startRedisServer(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-rp-redis-'))
  let child: ChildProcess | undefined
  let port = 0
  const killOnExit = () => child?.kill('SIGKILL')
  process.once('exit', killOnExit)

  const launch = async (): Promise<void> => {
    const started = spawn('redis-server', [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--dir', dir,
      '--appendonly', 'yes',
      '--appendfsync', 'always',
      '--save', '',
      '--daemonize', 'no',
      '--logfile', '',
    ], { stdio: ['ignore', 'pipe', 'pipe'] })
    child = started
    let output = ''
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        started.kill('SIGKILL')
        reject(new Error(`redis-server did not start within ${START_TIMEOUT_MS} ms:\n${output}`))
      }, START_TIMEOUT_MS)
      const onData = (chunk: Buffer) => {
        output += chunk
        if (READY.test(output)) {
          clearTimeout(timer)
          started.stdout!.off('data', onData)
          started.stdout!.resume()
          resolve()
        }
      }
      started.stdout!.on('data', onData)
      started.stderr!.on('data', (chunk: Buffer) => (output += chunk))
      started.once('error', (error) => {
        clearTimeout(timer)
        reject(new Error(`could not run redis-server (install the redis-server package: node scripts/system-deps.mjs): ${error.message}`))
      })
      started.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`redis-server exited (${signal ?? code}) before it was ready:\n${output}`))
      })
    })
  }

  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    const running = child
    child = undefined
    if (!running || running.exitCode !== null || running.signalCode !== null) return
    const exited = new Promise((resolve) => running.once('exit', resolve))
    running.kill(signal)
    await exited
  }

  // The free port is found by binding and releasing it, so another process can take it in
  // between: try a few times.
  for (let attempt = 1; ; attempt += 1) {
    port = await freePort()
    try {
      await launch()
      break
    } catch (error) {
      await stop('SIGKILL')
      if (attempt === 5) {
        process.off('exit', killOnExit)
        rmSync(dir, { recursive: true, force: true })
        throw error
      }
    }
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null
    },
    stop,
    async restart() {
      await stop()
      await launch()
    },
    async close() {
      await stop('SIGKILL')
      process.off('exit', killOnExit)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

