/**
 * Requests to the provider go where the deployment says: through the proxy named by
 * HTTP_PROXY / HTTPS_PROXY (which Node's own fetch ignores before Node 24), honouring
 * NO_PROXY, or through the app's own `fetch`. Discovery, keys and tokens all take that way.
 */
import { createServer, request, type Server } from 'node:http'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeServer, listenOnLoopback } from '../support/http.js'
import { drivers } from './drivers.js'
import { expectSignedIn } from './expectations.js'
import { useHarness } from './harness.js'

/** A forward proxy on loopback that records the host of every request it carries. */
function startProxy(): { server: Server; seen: string[] } {
  const seen: string[] = []
  const server = createServer((req, res) => {
    const target = new URL(req.url ?? '')
    seen.push(target.host)
    const upstream = request(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.on('error', () => res.writeHead(502).end())
    req.pipe(upstream)
  })
  server.on('connect', (req, socket, head) => {
    const [host, port] = (req.url ?? '').split(':')
    seen.push(req.url ?? '')
    const upstream = connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(socket)
      socket.pipe(upstream)
    })
    upstream.on('error', () => socket.destroy())
    socket.on('error', () => upstream.destroy())
  })
  return { server, seen }
}

const VARIABLES = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'] as const

describe.each(drivers)('$name: outbound requests', (driver) => {
  const harness = useHarness(driver)
  const proxy = startProxy()
  let saved: Record<string, string | undefined> = {}

  beforeAll(async () => {
    saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]))
    for (const name of VARIABLES) delete process.env[name]
    await listenOnLoopback(proxy.server)
  })
  afterAll(async () => {
    for (const name of VARIABLES) {
      if (saved[name] === undefined) delete process.env[name]
      else process.env[name] = saved[name]
    }
    await closeServer(proxy.server)
  })

  /** Signs in with an app started under these variables, and answers what the proxy carried. */
  async function signInWith(variables: Partial<Record<(typeof VARIABLES)[number], string>>): Promise<string[]> {
    Object.assign(process.env, variables)
    try {
      proxy.seen.length = 0
      await harness.startApp()
      await expectSignedIn(harness, await harness.dance())
      return [...proxy.seen]
    } finally {
      for (const name of VARIABLES) delete process.env[name]
    }
  }
  const proxyUrl = () => `http://127.0.0.1:${(proxy.server.address() as { port: number }).port}`

  it('go through the proxy of HTTP_PROXY', async () => {
    const seen = await signInWith({ HTTP_PROXY: proxyUrl() })
    // A tunnel (CONNECT) carries several requests.
    expect(seen.length).toBeGreaterThan(0)
    expect(new Set(seen)).toEqual(new Set([new URL(harness.rogue.issuer).host]))
  })

  it('leave out hosts listed in NO_PROXY', async () => {
    expect(await signInWith({ HTTP_PROXY: proxyUrl(), NO_PROXY: '127.0.0.1' })).toEqual([])
  })

  it("go through the app's own fetch when given", async () => {
    const fetched: string[] = []
    await harness.startApp({ fetch: (url, init) => (fetched.push(new URL(url).pathname), fetch(url, init)) })
    await expectSignedIn(harness, await harness.dance())
    expect(fetched).toEqual(expect.arrayContaining(['/.well-known/openid-configuration', '/jwks', '/token']))
  })
})
