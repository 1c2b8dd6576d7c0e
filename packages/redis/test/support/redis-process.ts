/**
 * One Redis process for tests (`redis-server` or `redis-sentinel`, the Debian packages;
 * scripts/system-deps.mjs installs them): on a free loopback port, in a directory of its
 * own, started and stopped by signals. What the single server, the Sentinel set-up and the
 * Cluster are made of. Every process is killed when the test process exits, whatever happens.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './net.js'

export interface RedisProcessOptions {
  /** `redis-server` (default) or `redis-sentinel`. */
  command?: 'redis-server' | 'redis-sentinel'
  /**
   * The arguments for a port and a directory (a config file may be written there first).
   * Always with `--port`, `--bind 127.0.0.1`, `--dir`, no persistence unless these say so.
   */
  args: (port: number, dir: string) => string[]
  /** What the process prints once it serves. Default: "Ready to accept connections". */
  ready?: RegExp
  /** A name for error messages. */
  name?: string
}

export interface RedisProcess {
  readonly port: number
  /** 127.0.0.1:<port> */
  readonly address: string
  readonly dir: string
  /** Whether the process is running (a SIGSTOPped one is running). */
  readonly running: boolean
  /** Everything it printed since it was last started. */
  output(): string
  /** Sends a signal: SIGSTOP/SIGCONT freeze and resume it. */
  signal(signal: NodeJS.Signals): void
  /** Stops it: SIGTERM is a clean shutdown, SIGKILL a crash. Resolves once it has exited. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>
  /** Starts it again on the same port in the same directory (stops it first if it runs). */
  restart(): Promise<void>
  /** Stops it for good and removes its directory. */
  close(): Promise<void>
}

const START_TIMEOUT_MS = 10_000
const alive = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of alive) {
    child.kill('SIGCONT')
    child.kill('SIGKILL')
  }
})

export async function startRedisProcess(options: RedisProcessOptions): Promise<RedisProcess> {
  const command = options.command ?? 'redis-server'
  const ready = options.ready ?? /Ready to accept connections/
  const name = options.name ?? command
  const dir = mkdtempSync(join(tmpdir(), `oidc-rp-${command}-`))
  let child: ChildProcess | undefined
  let port = 0
  let output = ''

  const launch = async (): Promise<void> => {
    output = ''
    const started = spawn(command, options.args(port, dir), { stdio: ['ignore', 'pipe', 'pipe'] })
    child = started
    alive.add(started)
    started.once('exit', () => alive.delete(started))
    started.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    started.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    await new Promise<void>((resolve, reject) => {
      const finish = (error?: Error) => {
        clearTimeout(timer)
        clearInterval(poll)
        started.off('exit', onExit)
        if (error) reject(error)
        else resolve()
      }
      const timer = setTimeout(
        () => finish(new Error(`${name} did not start within ${START_TIMEOUT_MS} ms:\n${output}`)),
        START_TIMEOUT_MS,
      )
      const poll = setInterval(() => ready.test(output) && finish(), 20)
      const onExit = (code: number | null, signal: string | null) =>
        finish(new Error(`${name} exited (${signal ?? code}) before it was ready:\n${output}`))
      started.once('exit', onExit)
      started.once('error', (error) =>
        finish(new Error(`could not run ${command} (install it: node scripts/system-deps.mjs): ${error.message}`)),
      )
    })
  }

  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    const running = child
    child = undefined
    if (!running || running.exitCode !== null || running.signalCode !== null) return
    const exited = new Promise((resolve) => running.once('exit', resolve))
    running.kill('SIGCONT') // a stopped process would not act on SIGTERM
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
        rmSync(dir, { recursive: true, force: true })
        throw error
      }
    }
  }

  return {
    port,
    address: `127.0.0.1:${port}`,
    dir,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null
    },
    output: () => output,
    signal(signal) {
      child?.kill(signal)
    },
    stop,
    async restart() {
      await stop()
      await launch()
    },
    async close() {
      await stop('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The arguments every test server starts with: loopback, no daemon, log to stdout, no snapshots, no delay before a replica's full sync. */
export function serverArgs(port: number, dir: string, extra: string[] = []): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--logfile',
    '',
    '--save',
    '',
    '--repl-diskless-sync-delay',
    '0',
    ...extra,
  ]
}

/** Polls `check` every 50 ms until it holds; throws `what` after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** One command through `redis-cli` (the Debian package redis-tools) to the node on `port`: its raw output. */
export function ask(port: number, ...command: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...command], { timeout: 5000 }, (error, stdout) => {
      if (error)
        reject(
          new Error(
            `redis-cli -p ${port} ${command.join(' ')}: ${error.message} (install redis-tools: node scripts/system-deps.mjs)`,
          ),
        )
      else resolve(stdout)
    })
  })
}

/** redis-cli's answer, one element per line. */
export const lines = (answer: string) =>
  answer
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
