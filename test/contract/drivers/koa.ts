import { createServer, type RequestListener } from 'node:http'
import Koa from 'koa'
import Router from '@koa/router'
import { oidc, requireGroup, requiresAuth } from '@oidc-rp/koa'
import { closeServer, listenOnLoopback, type Driver } from '../driver.js'

export const koaDriver: Driver = {
  name: 'koa',
  async start(options) {
    let handler: RequestListener = (_req, res) => res.writeHead(503).end()
    const server = createServer((req, res) => handler(req, res))
    const url = await listenOnLoopback(server)
    const app = new Koa()
    const router = new Router()
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
    app.use(router.routes()).use(router.allowedMethods())
    handler = app.callback()
    return { url, close: () => closeServer(server) }
  },
}
