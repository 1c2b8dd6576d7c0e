// One app under test, in its own process: Express, Fastify or Koa with @oidc-rp, or
// Express with express-openid-connect ("eoc"). Every app has the same routes:
//   GET /public   unprotected; registered where the middleware does not run (the baseline)
//   GET /me       requiresAuth(), answers the user's claims
//   GET /group    requireGroup('admins'), answers the same
//   GET /__bench/session   (ours) the last session record the store wrote, and the ID token
// and the parent sets /public's body to /me's, so both answer the same bytes.
// Instrumented for the login and refresh rows: every request the app makes to the
// provider (fetch) is timed and counted, and so is every /callback it serves.
import { createServer } from 'node:http'
import { childConfig, serveParent } from './child.mjs'

const config = childConfig()
let publicBody = { sub: 'nobody' }

// ---- instrumentation -------------------------------------------------------------------
const providerCalls = []
const callbacks = []
const realFetch = globalThis.fetch
globalThis.fetch = async function timedFetch(input, init) {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
  const body = init?.body
  const grantType = body instanceof URLSearchParams ? body.get('grant_type') : typeof body === 'string' ? new URLSearchParams(body).get('grant_type') : null
  const start = performance.now()
  try {
    return await realFetch(input, init)
  } finally {
    if (providerCalls.length < 100_000) providerCalls.push({ path: url.pathname, grantType, start, ms: performance.now() - start })
  }
}

function instrument(handler) {
  return (req, res) => {
    if (req.url.startsWith('/callback')) {
      const start = performance.now()
      res.on('finish', () => callbacks.push({ start, ms: performance.now() - start, status: res.statusCode }))
    }
    handler(req, res)
  }
}

// ---- options ---------------------------------------------------------------------------
/** The last session record written to the store: a real one, for the memory benchmark. */
let lastSession = null

async function store() {
  if (config.store === 'redis') {
    const { RedisStore } = await import('@oidc-rp/redis')
    return new RedisStore({ url: config.redisUrl, prefix: config.redisPrefix ?? 'oidc-rp-bench:' })
  }
  if (config.store !== 'memory') return undefined
  // The default store, made here so that its writes can be seen.
  const { MemoryStore } = await import('@oidc-rp/core')
  const memory = new MemoryStore()
  const set = memory.set.bind(memory)
  memory.set = (id, session, ttl) => {
    lastSession = session
    return set(id, session, ttl)
  }
  return memory
}

let handler = (_req, res) => res.writeHead(503).end()
const server = createServer((req, res) => handler(req, res))
// A deep backlog: the refresh storm opens hundreds of connections at once.
await new Promise((resolve) => server.listen(0, '127.0.0.1', 4096, resolve))
const baseURL = `http://127.0.0.1:${server.address().port}`
const ours = { issuer: config.issuer, clientId: config.clientId, clientSecret: config.clientSecret, baseURL, secret: config.secret, authRequired: false }
const sessionStore = await store()
if (sessionStore) ours.session = { store: sessionStore }

// ---- the apps --------------------------------------------------------------------------
const apps = {
  async express() {
    const { default: express } = await import('express')
    const { oidc, requiresAuth, requireGroup } = await import('@oidc-rp/express')
    const app = express()
    app.set('etag', false)
    app.get('/public', (_req, res) => void res.json(publicBody))
    app.use(oidc(ours))
    app.get('/me', requiresAuth(), (req, res) => void res.json(req.oidc.user))
    app.get('/group', requireGroup('admins'), (req, res) => void res.json(req.oidc.user))
    app.get('/__bench/session', requiresAuth(), (req, res) => void res.json({ session: lastSession, idToken: req.oidc.idToken }))
    return app
  },

  async fastify() {
    const { default: Fastify } = await import('fastify')
    const { oidc, requiresAuth, requireGroup } = await import('@oidc-rp/fastify')
    let listener
    const app = Fastify({ serverFactory: (h) => ((listener = h), createServer()) })
    app.get('/public', async () => publicBody)
    // The plugin in its own scope, so that /public is not behind its hook.
    await app.register(async (scope) => {
      await scope.register(oidc, ours)
      scope.get('/me', { preHandler: requiresAuth() }, async (request) => request.oidc.user)
      scope.get('/group', { preHandler: requireGroup('admins') }, async (request) => request.oidc.user)
      scope.get('/__bench/session', { preHandler: requiresAuth() }, async (request) => ({ session: lastSession, idToken: request.oidc.idToken }))
    })
    await app.ready()
    return listener
  },

  async koa() {
    const { default: Koa } = await import('koa')
    const { default: Router } = await import('@koa/router')
    const { oidc, requiresAuth, requireGroup } = await import('@oidc-rp/koa')
    const app = new Koa()
    const open = new Router()
    open.get('/public', (ctx) => {
      ctx.body = publicBody
    })
    const router = new Router()
    router.get('/me', requiresAuth(), (ctx) => {
      ctx.body = ctx.state.oidc.user
    })
    router.get('/group', requireGroup('admins'), (ctx) => {
      ctx.body = ctx.state.oidc.user
    })
    router.get('/__bench/session', requiresAuth(), (ctx) => {
      ctx.body = { session: lastSession, idToken: ctx.state.oidc.idToken }
    })
    app.use(open.routes())
    app.use(oidc(ours))
    app.use(router.routes())
    return app.callback()
  },

  /** express-openid-connect with its defaults (encrypted cookie session, rolling), code flow. */
  async eoc() {
    const { default: express } = await import('express')
    const { default: { auth, requiresAuth } } = await import('express-openid-connect')
    const app = express()
    app.set('etag', false)
    app.get('/public', (_req, res) => void res.json(publicBody))
    app.use(auth({
      issuerBaseURL: config.issuer,
      baseURL,
      clientID: config.clientId,
      clientSecret: config.clientSecret,
      secret: config.secret,
      authRequired: false,
      idpLogout: false,
      authorizationParams: { response_type: 'code', scope: 'openid profile email offline_access' },
    }))
    app.get('/me', requiresAuth(), (req, res) => void res.json(req.oidc.user))
    return app
  },
}

const app = await apps[config.framework]()
handler = instrument(app)

serveParent(
  {
    setPublicBody: ({ body }) => {
      publicBody = body
    },
    /** Everything recorded since the last drain, and forget it. */
    drain: () => {
      const out = { providerCalls: providerCalls.splice(0), callbacks: callbacks.splice(0) }
      return out
    },
    memory: () => process.memoryUsage(),
    close: async () => {
      await sessionStore?.close?.()
      await new Promise((resolve) => server.close(resolve))
    },
  },
  { url: baseURL },
)
