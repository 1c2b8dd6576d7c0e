import { createServer, type Server } from 'node:http'
import Fastify from 'fastify'
import { oidc, requireClaims, requireGroup, requiresAuth } from '@oidc-rp/fastify'
import { appErrorBody, closeServer, listenOnLoopback, type Driver } from '../driver.js'

export const fastifyDriver: Driver = {
  name: 'fastify',
  async start(options, extras = {}) {
    let server!: Server
    const app = Fastify({ serverFactory: (handler) => (server = createServer(handler)) })
    const url = await listenOnLoopback(server)
    if (extras.errorHandler)
      app.setErrorHandler((err, _request, reply) => {
        const { status, body } = appErrorBody(err)
        return reply.code(status).send(body)
      })
    await app.register(oidc, { ...options, baseURL: url })
    app.get('/', async (request) => ({ page: 'public', authenticated: request.oidc.isAuthenticated() }))
    app.get('/me', { preHandler: requiresAuth() }, async (request) => request.oidc.user)
    app.get('/admin', { preHandler: requireGroup('admins') }, async () => ({ ok: true }))
    app.get('/claims-admin', { preHandler: requireClaims((claims) => claims.isAdmin === true) }, async () => ({
      ok: true,
    }))
    app.post('/refresh', { preHandler: requiresAuth() }, async (request) => {
      await request.oidc.refresh()
      return { idTokenExpiresAt: request.oidc.idTokenExpiresAt, groups: request.oidc.groups }
    })
    app.get('/userinfo', { preHandler: requiresAuth() }, async (request) => request.oidc.fetchUserInfo())
    await app.ready()
    return { url, close: () => closeServer(server) }
  },
}
