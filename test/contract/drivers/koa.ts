import { createServer, type RequestListener } from 'node:http'
import Koa from 'koa'
import Koa2 from 'koa2'
import Router from '@koa/router'
import { oidc, requireClaims, requireGroup, requiresAuth } from '@oidc-rp/koa'
import { appErrorBody, closeServer, listenOnLoopback, type Driver } from '../driver.js'

/** The same app on Koa 3 and on Koa 2. */
function koaDriver(name: string, createApp: () => Koa): Driver {
  return {
    name,
    async start(options, extras = {}) {
      let handler: RequestListener = (_req, res) => res.writeHead(503).end()
      const server = createServer((req, res) => handler(req, res))
      const url = await listenOnLoopback(server)
      const app = createApp()
      const router = new Router()
      if (extras.onAppError) app.on('error', extras.onAppError)
      if (extras.errorHandler)
        app.use(async (ctx, next) => {
          try {
            await next()
          } catch (err) {
            const { status, body } = appErrorBody(err)
            ctx.status = status
            ctx.body = body
            ctx.app.emit('error', err, ctx)
          }
        })
      app.use(oidc({ ...options, baseURL: url }))
      router.get('/', (ctx) => {
        ctx.body = { page: 'public', authenticated: ctx.state.oidc.isAuthenticated() }
      })
      router.get('/me', requiresAuth(), (ctx) => {
        ctx.body = ctx.state.oidc.user
      })
      router.get('/admin', requireGroup('admins'), (ctx) => {
        ctx.body = { ok: true }
      })
      router.get(
        '/claims-admin',
        requireClaims((claims) => claims.isAdmin === true),
        (ctx) => {
          ctx.body = { ok: true }
        },
      )
      router.post('/refresh', requiresAuth(), async (ctx) => {
        await ctx.state.oidc.refresh()
        ctx.body = { idTokenExpiresAt: ctx.state.oidc.idTokenExpiresAt, groups: ctx.state.oidc.groups }
      })
      router.get('/userinfo', requiresAuth(), async (ctx) => {
        ctx.body = await ctx.state.oidc.fetchUserInfo()
      })
      app.use(router.routes()).use(router.allowedMethods())
      const callback = app.callback()
      handler = (req, res) => void callback(req, res)
      return { url, close: () => closeServer(server) }
    },
  }
}

export const koa3Driver = koaDriver('koa', () => new Koa())
export const koa2Driver = koaDriver('koa2', () => new Koa2())
