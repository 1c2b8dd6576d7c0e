// A throw-away redis-server on a free loopback port, no persistence.
import { spawn } from 'node:child_process'
import { createServer, connect } from 'node:net'

async function freePort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (data) => {
      socket.destroy()
      resolve(data.toString().startsWith('+PONG'))
    })
    socket.on('error', () => resolve(false))
  })
}

export async function startRedis() {
  const port = await freePort()
  const child = spawn(
    process.env.BENCH_REDIS_SERVER ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  )
  const failed = new Promise((_, reject) =>
    child.on('error', (err) =>
      reject(new Error(`could not start redis-server (${err.message}); install it or set BENCH_REDIS_SERVER`)),
    ),
  )
  const deadline = Date.now() + 10_000
  for (;;) {
    if (await Promise.race([ping(port), failed])) break
    if (Date.now() > deadline) throw new Error('redis-server did not answer PING within 10 s')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', resolve)
        child.kill('SIGTERM')
      }),
  }
}
