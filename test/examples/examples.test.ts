/**
 * The examples contract (DESIGN.md), driven from outside as a user would: each example is
 * started with `pnpm --dir examples/<name> start` and no OIDC_* variables, so it starts the
 * embedded dev provider.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signIn } from '@oidc-rp/testing'

const root = new URL('../../', import.meta.url).pathname

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

export async function startExample(name: string, env: Record<string, string> = {}): Promise<{ url: string; output: () => string; stop: () => Promise<void> }> {
  const port = await freePort()
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OIDC_') && key !== 'REDIS_URL'))
  const child: ChildProcess = spawn('pnpm', ['--dir', `examples/${name}`, 'start'], { cwd: root, env: { ...clean, PORT: String(port), ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  while (!output.includes(url)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`examples/${name} did not start:\n${output}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    url,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      process.kill(-child.pid!, 'SIGTERM')
      await exited
    },
  }
}

async function get(url: string, cookie?: string, accept = 'application/json') {
  const response = await fetch(url, { redirect: 'manual', headers: { accept, ...(cookie ? { cookie } : {}) } })
  return { status: response.status, location: response.headers.get('location'), body: await response.text() }
}

describe.each(['express', 'fastify', 'koa'])('examples/%s', (name) => {
  let app: Awaited<ReturnType<typeof startExample>>

  beforeAll(async () => {
    app = await startExample(name)
  }, 60_000)
  afterAll(async () => {
    await app?.stop()
  })

  it('prints the URL and the users it knows', () => {
    expect(app.output()).toMatch(/alice .*admins/)
    expect(app.output()).toMatch(/bob .*developers/)
  })

  it('serves a public home page with a sign-in button', async () => {
    const home = await get(`${app.url}/`, undefined, 'text/html')
    expect(home.status).toBe(200)
    expect(home.body).toContain('Sign in')
  })

  it('guards /me and /admin: 302 to login for a browser, 401 for an API client', async () => {
    const browser = await get(`${app.url}/me`, undefined, 'text/html')
    expect(browser.status).toBe(302)
    expect(browser.location).toBe('/login?returnTo=%2Fme')
    expect((await get(`${app.url}/me`)).status).toBe(401)
    expect((await get(`${app.url}/admin`)).status).toBe(401)
  })

  it('signs alice in: /me has her claims with sub at the top level, /admin answers { ok: true }', async () => {
    const { cookie } = await signIn(app.url, 'alice')
    const me = await get(`${app.url}/me`, cookie)
    expect(me.status).toBe(200)
    expect(JSON.parse(me.body)).toMatchObject({ sub: 'alice', groups: ['admins', 'developers'] })
    const admin = await get(`${app.url}/admin`, cookie)
    expect(admin.status).toBe(200)
    expect(JSON.parse(admin.body)).toEqual({ ok: true })
    const home = await get(`${app.url}/`, cookie, 'text/html')
    expect(home.body).toContain('Alice Admin')
  })

  it('gives bob 403 at /admin', async () => {
    const { cookie } = await signIn(app.url, 'bob')
    expect((await get(`${app.url}/admin`, cookie)).status).toBe(403)
  })

  it('logs out, and the old cookie no longer authenticates', async () => {
    const { cookie } = await signIn(app.url, 'alice')
    expect((await get(`${app.url}/logout`, cookie, 'text/html')).status).toBe(302)
    expect((await get(`${app.url}/me`, cookie)).status).toBe(401)
  })
})
