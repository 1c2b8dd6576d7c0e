// Child processes with a tiny request/response protocol over the IPC channel.
import { fork } from 'node:child_process'

/**
 * Forks `script` with `env.BENCH_CHILD` = JSON of `config`, waits for its `ready` message
 * and returns a handle: `call(cmd, args)` asks it something, `stop()` ends it.
 */
export async function startChild(script, config, { execArgv = [], name = script } = {}) {
  const child = fork(script, [], {
    env: { ...process.env, BENCH_CHILD: JSON.stringify(config) },
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let nextId = 1
  const pending = new Map()
  let exited = false
  const ready = new Promise((resolve, reject) => {
    child.on('message', (message) => {
      if (message.type === 'ready') return resolve(message)
      const waiter = pending.get(message.id)
      if (!waiter) return
      pending.delete(message.id)
      if (message.error) waiter.reject(new Error(`${name}: ${message.error}`))
      else waiter.resolve(message.result)
    })
    child.on('exit', (code, signal) => {
      exited = true
      const error = new Error(`${name} exited (${signal ?? code})`)
      reject(error)
      for (const waiter of pending.values()) waiter.reject(error)
      pending.clear()
    })
  })
  const info = await ready
  return {
    ...info,
    pid: child.pid,
    call(cmd, args = {}) {
      if (exited) return Promise.reject(new Error(`${name} is not running`))
      const id = nextId++
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject })
        child.send({ id, cmd, args })
      })
    },
    /** SIGINT lets a `--cpu-prof` child write its profile before it exits. */
    stop() {
      if (exited) return Promise.resolve()
      return new Promise((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
        child.once('exit', () => {
          clearTimeout(timer)
          resolve()
        })
        child.kill('SIGINT')
      })
    },
  }
}

/** In a child: answers the parent's calls with `handlers[cmd](args)`, then says it is ready. */
export function serveParent(handlers, readyInfo) {
  process.on('message', async ({ id, cmd, args }) => {
    try {
      const handler = handlers[cmd]
      if (!handler) throw new Error(`unknown command ${cmd}`)
      process.send({ id, result: await handler(args) })
    } catch (err) {
      process.send({ id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) })
    }
  })
  // Exit normally on SIGINT so that --cpu-prof writes its profile.
  process.on('SIGINT', async () => {
    await handlers.close?.().catch(() => {})
    process.exit(0)
  })
  process.send({ type: 'ready', ...readyInfo })
}

export function childConfig() {
  return JSON.parse(process.env.BENCH_CHILD ?? '{}')
}
