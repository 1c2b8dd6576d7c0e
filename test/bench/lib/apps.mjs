// The apps under test: Express, Fastify or Koa with @oidc-rp, or Express with
// express-openid-connect ("eoc"). Every app has the same routes:
//   GET /public   unprotected, registered where the middleware does not run: the app
//                 as it would be without sign-in
//   GET /open     unprotected, behind the middleware like every route of the app: the
//                 baseline of the targets (requested by an anonymous visitor)
//   GET /me       requiresAuth(), answers the user's claims
//   GET /group    requireGroup('admins'), answers the same
//   GET /__bench/session   (ours) the last session record the store wrote, and the ID token
// The bench sets the body of /public and /open to /me's, so that all answer the same bytes.

/**
 * `config`: { framework, store: 'memory' | 'redis' | 'cookie', redisUrl, redisPrefix,
 * issuer, clientId, clientSecret, secret, session? (idleTimeout, absoluteTimeout) }. Returns the app's (req, res) handler and
 * what the bench needs to steer it.
 */
export async function createApp(config, baseURL) {
  let publicBody = { sub: 'nobody' }
  /** The last session record written to the store: a real one, for the memory benchmark. */
  let lastSession = null

  async function makeStore() {
    if (config.store === 'redis') {
      const { RedisStore } = await import('@oidc-rp/redis')
      const prefix = config.redisPrefix ?? 'oidc-rp-bench:'
      if (!process.env.BENCH_REDIS_AUTOPIPELINING) return new RedisStore({ url: config.redisUrl, prefix })
      // Experiment: the store's own client options plus ioredis auto-pipelining.
      const { createRequire } = await import('node:module')
      const { Redis } = createRequire(import.meta.resolve('@oidc-rp/redis'))('ioredis')
      const client = new Redis(config.redisUrl, {
        enableAutoPipelining: true,
        maxRetriesPerRequest: 1,
        commandTimeout: 2000,
        connectTimeout: 2000,
      })
      return new RedisStore({ client, prefix })
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

  const store = await makeStore()
  const ours = {
    issuer: config.issuer,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    baseURL,
    secret: config.secret,
    authRequired: false,
    bearer: true,
  }
  if (store) ours.session = { store }
  // The soak's short session timeouts.
  if (config.session) ours.session = { ...ours.session, ...config.session }
  const benchSession = (oidc) => ({ session: lastSession, idToken: oidc.idToken })

  const apps = {
    async express() {
      const { default: express } = await import('express')
      const { oidc, requiresAuth, requireGroup } = await import('@oidc-rp/express')
      const app = express()
      app.set('etag', false)
      app.get('/public', (_req, res) => void res.json(publicBody))
      app.use(oidc(ours))
      app.get('/open', (_req, res) => void res.json(publicBody))
      app.get('/me', requiresAuth(), (req, res) => void res.json(req.oidc.user))
      app.get('/group', requireGroup('admins'), (req, res) => void res.json(req.oidc.user))
      app.get('/__bench/session', requiresAuth(), (req, res) => void res.json(benchSession(req.oidc)))
      return app
    },

    async fastify() {
      const { default: Fastify } = await import('fastify')
      const { createServer } = await import('node:http')
      const { oidc, requiresAuth, requireGroup } = await import('@oidc-rp/fastify')
      let listener
      const app = Fastify({ serverFactory: (h) => ((listener = h), createServer()) })
      app.get('/public', async () => publicBody)
      // The plugin in its own scope, so that /public is not behind its hook.
      await app.register(async (scope) => {
        await scope.register(oidc, ours)
        scope.get('/open', async () => publicBody)
        scope.get('/me', { preHandler: requiresAuth() }, async (request) => request.oidc.user)
        scope.get('/group', { preHandler: requireGroup('admins') }, async (request) => request.oidc.user)
        scope.get('/__bench/session', { preHandler: requiresAuth() }, async (request) => benchSession(request.oidc))
      })
      await app.ready()
      return listener
    },

    async koa() {
      const { default: Koa } = await import('koa')
      const { default: Router } = await import('@koa/router')
      const { oidc, requiresAuth, requireGroup } = await import('@oidc-rp/koa')
      const app = new Koa()
      const outside = new Router()
      outside.get('/public', (ctx) => {
        ctx.body = publicBody
      })
      const router = new Router()
      router.get('/open', (ctx) => {
        ctx.body = publicBody
      })
      router.get('/me', requiresAuth(), (ctx) => {
        ctx.body = ctx.state.oidc.user
      })
      router.get('/group', requireGroup('admins'), (ctx) => {
        ctx.body = ctx.state.oidc.user
      })
      router.get('/__bench/session', requiresAuth(), (ctx) => {
        ctx.body = benchSession(ctx.state.oidc)
      })
      app.use(outside.routes())
      app.use(oidc(ours))
      app.use(router.routes())
      return app.callback()
    },

    /** express-openid-connect with its defaults (encrypted cookie session, rolling), code flow. */
    async eoc() {
      const { default: express } = await import('express')
      const {
        default: { auth, requiresAuth },
      } = await import('express-openid-connect')
      const app = express()
      app.set('etag', false)
      app.get('/public', (_req, res) => void res.json(publicBody))
      app.use(
        auth({
          issuerBaseURL: config.issuer,
          baseURL,
          clientID: config.clientId,
          clientSecret: config.clientSecret,
          secret: config.secret,
          authRequired: false,
          idpLogout: false,
          authorizationParams: { response_type: 'code', scope: 'openid profile email offline_access' },
        }),
      )
      app.get('/open', (_req, res) => void res.json(publicBody))
      app.get('/me', requiresAuth(), (req, res) => void res.json(req.oidc.user))
      // Its refusals are errors (401 for API clients): answer them without logging a stack.
      // eslint-disable-next-line no-unused-vars -- Express tells an error handler by its four parameters
      app.use((err, _req, res, _next) => void res.status(err.status ?? 500).end())
      return app
    },
  }

  const handler = await apps[config.framework]()
  return {
    handler,
    setPublicBody(body) {
      publicBody = body
    },
    /** Sessions the memory store holds (undefined for other stores). */
    sessions: () => store?.size,
    close: async () => {
      await store?.close?.()
    },
  }
}
