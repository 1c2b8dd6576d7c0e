// One app under test (see apps.mjs) in its own process, on loopback. Instrumented for
// the login and refresh rows: every request the app makes to the provider (fetch) is
// timed (token requests until their body is read) and counted, and so is every
// /callback it serves, from its first byte to the end of the response.
import { createServer } from 'node:http'
import { createApp } from './apps.mjs'
import { childConfig, serveParent } from './child.mjs'

const config = childConfig()

const providerCalls = []
const callbacks = []
const realFetch = globalThis.fetch
globalThis.fetch = async function timedFetch(input, init) {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
  const body = init?.body
  const grantType =
    body instanceof URLSearchParams
      ? body.get('grant_type')
      : typeof body === 'string'
        ? new URLSearchParams(body).get('grant_type')
        : null
  const start = performance.now()
  try {
    const response = await realFetch(input, init)
    if (!grantType) return response
    // A token request: its time includes reading the body, so the body is read here and
    // handed on as a new Response.
    const body = await response.arrayBuffer()
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
  } finally {
    if (providerCalls.length < 100_000)
      providerCalls.push({ path: url.pathname, grantType, start, ms: performance.now() - start })
  }
}

let handler = (_req, res) => res.writeHead(503).end()
const server = createServer((req, res) => handler(req, res))
// A deep backlog: the refresh storm opens hundreds of connections at once.
await new Promise((resolve) => server.listen(0, '127.0.0.1', 4096, resolve))
const baseURL = `http://127.0.0.1:${server.address().port}`
const app = await createApp(config, baseURL)
// With `besideEoc`, express-openid-connect's app is served by the same process under
// /eoc: both middlewares are then measured on the same Express, heap and CPU.
const eoc = config.besideEoc
  ? await createApp({ ...config, framework: 'eoc', store: 'cookie' }, `${baseURL}/eoc`)
  : undefined
handler = (req, res) => {
  if (req.url.startsWith('/callback')) {
    const start = performance.now()
    res.on('finish', () => callbacks.push({ start, ms: performance.now() - start, status: res.statusCode }))
  }
  if (eoc && req.url.startsWith('/eoc/')) {
    req.url = req.url.slice(4)
    eoc.handler(req, res)
  } else {
    app.handler(req, res)
  }
}

serveParent(
  {
    setPublicBody: ({ body, eoc: toEoc }) => (toEoc ? eoc : app).setPublicBody(body),
    /** Everything recorded since the last drain, and forget it. */
    drain: () => ({ providerCalls: providerCalls.splice(0), callbacks: callbacks.splice(0) }),
    cpu: () => process.cpuUsage(),
    /** Heap after full collections (the soak runs this process with --expose-gc). */
    heap: () => {
      globalThis.gc?.()
      globalThis.gc?.()
      return { heapUsed: process.memoryUsage().heapUsed, gc: typeof globalThis.gc === 'function' }
    },
    sessions: () => app.sessions(),
    close: async () => {
      await app.close()
      await eoc?.close()
      await new Promise((resolve) => {
        server.close(resolve)
        server.closeAllConnections()
      })
    },
  },
  { url: baseURL },
)
