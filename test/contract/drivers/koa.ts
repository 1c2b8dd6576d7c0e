import { createServer, type RequestListener } from 'node:http'
import Koa from 'koa'
import Koa2 from 'koa2'
import Router from '@koa/router'
import { attemptSilentLogin, oidc, requireClaims, requireGroup, requiresAuth } from '@oidc-rp/koa'
import { closeServer, listenOnLoopback } from '../../support/http.js'
import { appErrorBody, type Driver } from '../driver.js'

/** The same app on Koa 3 and on Koa 2. */
function koaDriver(name: string, createApp: () => Koa): Driver {
  return {
    name,
    async start(options, extras = {}) {
      const { second } = extras
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
      if (second) app.use(mounted(second.mount, oidc({ ...second.options, baseURL: url + second.mount })))
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
      if (second)
        router.get(`${second.mount}/me`, requiresAuth(), (ctx) => {
          ctx.body = ctx.state.oidc.user
        })
      router.get('/recent', requiresAuth({ maxAge: 60 }), (ctx) => {
        ctx.body = { ok: true, auth_time: ctx.state.oidc.authTime }
      })
      router.get('/strong', requiresAuth({ acr: 'urn:example:mfa' }), (ctx) => {
        ctx.body = { ok: true, acr: ctx.state.oidc.acr }
      })
      router.get('/admin-recent', requireGroup('admins', { maxAge: 60 }), (ctx) => {
        ctx.body = { ok: true }
      })
      router.get('/silent', attemptSilentLogin(), (ctx) => {
        ctx.body = { authenticated: ctx.state.oidc.isAuthenticated() }
      })
      router.get('/own-login', async (ctx) => {
        const returnTo = typeof ctx.query['returnTo'] === 'string' ? ctx.query['returnTo'] : '/'
        ctx.redirect(await ctx.state.oidc.login({ returnTo, authorizationParams: { prompt: 'login' } }))
      })
      router.post('/own-logout', async (ctx) => {
        const returnTo = typeof ctx.query['returnTo'] === 'string' ? ctx.query['returnTo'] : '/'
        ctx.redirect(await ctx.state.oidc.logout({ returnTo, idpLogout: false }))
      })
      app.use(router.routes()).use(router.allowedMethods())
      const callback = app.callback()
      handler = (req, res) => void callback(req, res)
      return { url, close: () => closeServer(server) }
    },
  }
}

/** What koa-mount does: `middleware` sees paths under `prefix` with the prefix taken off. */
function mounted(prefix: string, middleware: Koa.Middleware): Koa.Middleware {
  return async (ctx, next): Promise<void> => {
    if (ctx.path !== prefix && !ctx.path.startsWith(`${prefix}/`)) {
      await next()
      return
    }
    const url = ctx.url
    ctx.url = url.slice(prefix.length) || '/'
    try {
      await middleware(ctx, async () => {
        ctx.url = url
        try {
          await next()
        } finally {
          ctx.url = url.slice(prefix.length) || '/'
        }
      })
    } finally {
      ctx.url = url
    }
  }
}

export const koa3Driver = koaDriver('koa', () => new Koa())
export const koa2Driver = koaDriver('koa2', () => new Koa2())
