// @ts-check
// The example app: the same small app as examples/express and examples/fastify.
import Koa from 'koa'
import Router from '@koa/router'
import { oidc, requiresAuth, requireGroup } from '@oidc-rp/koa'
import { exampleSetup, homePage } from '@oidc-rp/example-shared'

const port = Number(process.env.PORT ?? 3000)
const setup = await exampleSetup({ port })

const app = new Koa()
const router = new Router()
app.use(oidc({ ...setup.options, authRequired: false }))

router.get('/', (ctx) => {
  ctx.type = 'html'
  ctx.body = homePage(ctx.state.oidc)
})

router.get('/me', requiresAuth(), (ctx) => {
  ctx.body = ctx.state.oidc.user
})

router.get('/admin', requireGroup('admins'), (ctx) => {
  ctx.body = { ok: true }
})

// Step-up: a sign-in within the last minute, or through the provider again (RFC 9470 401 for an API client).
router.get('/recent', requiresAuth({ maxAge: setup.recentMaxAge }), (ctx) => {
  ctx.body = { ok: true, auth_time: ctx.state.oidc.authTime }
})

app.use(router.routes()).use(router.allowedMethods())
app.listen(port, setup.host, () => setup.announce('koa'))
