/**
 * What the refresh tests share: an app on a rogue provider with alice signed in, requests
 * as a browser or an API client would send them, bursts of concurrent requests, waiting for
 * tokens to expire, and app processes (./app-process.mjs) that can be killed.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { defaultClient, type DevProvider } from '@oidc-rp/testing'
import { drivers, type AppOptions, type Driver, type RunningApp } from '../contract/drivers.js'
import { Browser, type Exchange } from '../support/browser.js'
import { get, type Answer } from '../support/http.js'
import { loginDance } from '../support/login-dance.js'
import { startRogueProvider, type Behaviour, type RogueProvider } from '../support/rogue-provider.js'

// The refresh and Redis tests take get() from here, beside the helpers built on it.
export { get, type Answer }

/**
 * GETs until `done(answer)`, waiting Retry-After after a 503 (else 100 ms): what a client
 * sees of a refresh that runs in the background, or after a back-off. The last answer once
 * `ms` have passed.
 */
export async function poll(
  url: string,
  cookie: string,
  done: (answer: Answer) => boolean,
  ms = 15_000,
): Promise<Answer> {
  const by = Date.now() + ms
  let answer = await get(url, cookie)
  while (!done(answer) && Date.now() < by) {
    await sleep(answer.status === 503 ? Number(answer.retryAfter ?? 1) * 1000 : 100)
    answer = await get(url, cookie)
  }
  return answer
}

/** `count` GETs at once; resolves to every answer. */
export function burst(url: string, cookie: string, count: number): Promise<Answer[]> {
  return Promise.all(Array.from({ length: count }, () => get(url, cookie)))
}

/** Status codes and how many answers had each, e.g. { 200: 199, 503: 1 }: readable in a failed expectation. */
export function statuses(answers: Answer[]): Record<number, number> {
  const counts: Record<number, number> = {}
  for (const { status } of answers) counts[status] = (counts[status] ?? 0) + 1
  return counts
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Resolves once `condition` holds (checked every 50 ms); rejects after `ms`. */
export async function until(condition: () => boolean, ms: number): Promise<void> {
  const by = Date.now() + ms
  while (!condition()) {
    if (Date.now() > by) throw new Error(`not within ${ms} ms: ${condition.toString()}`)
    await sleep(50)
  }
}

/**
 * Resolves once tokens obtained before `obtainedBy` (epoch ms, e.g. when the sign-in or the
 * burst that refreshed them had finished) with a lifetime of `ttl` seconds have expired, by
 * the relying party's reckoning too (whole seconds, `now >= exp`).
 */
export async function untilExpired(obtainedBy: number, ttl: number): Promise<void> {
  await sleep(Math.max(0, obtainedBy + ttl * 1000 + 250 - Date.now()))
}

/**
 * Resolves once a refresh is due for tokens obtained before `obtainedBy` (epoch ms) that
 * live `ttl` seconds: the leeway is half the lifetime for short-lived tokens. (`+ 1000`: the
 * provider and the relying party count whole seconds.)
 */
export async function untilDue(obtainedBy: number, ttl: number): Promise<void> {
  await sleep(Math.max(0, obtainedBy + (ttl / 2) * 1000 + 1000 - Date.now()))
}

export const newSecret = () => randomBytes(32).toString('base64url')

/** Registers what a scenario must close, closed in reverse order once every adapter is done. */
export type Cleanup = (close: () => Promise<void>) => void

/**
 * Runs the scenario for every adapter at once (each with servers of its own, so that the
 * waits for tokens to come due overlap); fails with every adapter's failure, by name.
 */
export async function forEveryAdapter(scenario: (driver: Driver, cleanup: Cleanup) => Promise<void>): Promise<void> {
  const closers: (() => Promise<void>)[] = []
  try {
    const outcomes = await Promise.allSettled(drivers.map((driver) => scenario(driver, (close) => closers.push(close))))
    const failures = outcomes.flatMap((outcome, i) =>
      outcome.status === 'rejected'
        ? [`${drivers[i].name}: ${String(outcome.reason instanceof Error ? outcome.reason.message : outcome.reason)}`]
        : [],
    )
    if (failures.length > 0)
      throw new Error(`failed for ${failures.length} of ${drivers.length} adapters:\n${failures.join('\n')}`)
  } finally {
    await Promise.allSettled(closers.reverse().map((close) => close()))
  }
}

/** Options of an app on the rogue provider, as its client: a new secret, no sign-in required. */
export function rogueAppOptions(rogue: RogueProvider): AppOptions {
  return {
    issuer: rogue.issuer,
    clientId: rogue.clientId,
    clientSecret: rogue.clientSecret,
    secret: newSecret(),
    authRequired: false,
  }
}

/** Options of an app on the dev provider, as its default client: a new secret, no sign-in required. */
export function devAppOptions(provider: DevProvider): AppOptions {
  return {
    issuer: provider.issuer,
    clientId: defaultClient.clientId,
    clientSecret: defaultClient.clientSecret!,
    secret: newSecret(),
    authRequired: false,
  }
}

/**
 * A rogue provider that behaves as `behaviour`, and an app of `driver` on it
 * (`rogueAppOptions`, `app` on top); `cleanup` closes both.
 */
export async function startRogueAndApp(
  driver: Driver,
  cleanup: Cleanup,
  options: { behaviour?: Partial<Behaviour>; app?: Partial<AppOptions> } = {},
): Promise<{ rogue: RogueProvider; app: RunningApp }> {
  const rogue = await startRogueProvider({ behaviour: options.behaviour ?? {} })
  cleanup(() => rogue.close())
  const app = await driver.start({ ...rogueAppOptions(rogue), ...options.app })
  cleanup(() => app.close())
  return { rogue, app }
}

/** Alice signs in to the app at `appUrl` in a new browser: the callback's answer, and the Cookie header she then sends the app. */
export async function signInInBrowser(appUrl: string): Promise<{ callback: Exchange; cookie: string }> {
  const browser = new Browser()
  const { callback } = await loginDance({ browser, appUrl })
  return { callback, cookie: browser.jar.header(new URL(appUrl)) }
}

export interface AppProcess {
  url: string
  /** Everything it printed (stdout and stderr). */
  output(): string
  /** Resolves when its output matches `pattern`; rejects if it exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>
  /** Sends the signal and resolves once it has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>
}

export interface AppProcessEnv {
  ISSUER: string
  CLIENT_ID: string
  CLIENT_SECRET: string
  SECRET: string
  REDIS_URL: string
  LOCK_LEASE?: string
  HTTP_TIMEOUT?: string
  REFRESH_DELAY_MS?: string
  FAULT?: 'stall-refresh' | 'die-after-refresh'
  /** Default 0: any free port. */
  PORT?: string
}

const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/** Starts ./app-process.mjs with node; killed when the test process exits, whatever happens. */
export async function startAppProcess(env: AppProcessEnv): Promise<AppProcess> {
  const script = new URL('./app-process.mjs', import.meta.url).pathname
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  let output = ''
  const listeners = new Set<() => void>()
  const onOutput = (chunk: Buffer) => {
    output += chunk.toString()
    for (const listener of listeners) listener()
  }
  child.stdout.on('data', onOutput)
  child.stderr.on('data', onOutput)
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child)
      for (const listener of listeners) listener()
      resolve()
    }),
  )

  const waitFor = (pattern: RegExp, timeoutMs = 20_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`app process: no ${pattern} within ${timeoutMs} ms:\n${output}`)),
        timeoutMs,
      )
      const check = () => {
        if (pattern.test(output)) done()
        else if (child.exitCode !== null || child.signalCode !== null)
          done(new Error(`app process exited (${child.signalCode ?? child.exitCode}) before ${pattern}:\n${output}`))
      }
      const done = (error?: Error) => {
        clearTimeout(timer)
        listeners.delete(check)
        if (error) reject(error)
        else resolve()
      }
      listeners.add(check)
      check()
    })

  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    await exited
  }

  try {
    await waitFor(/listening http:\/\/127\.0\.0\.1:\d+/)
  } catch (error) {
    await kill('SIGKILL')
    throw error
  }
  const url = /listening (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]
  return { url, output: () => output, waitFor, kill }
}
