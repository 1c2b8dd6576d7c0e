import { createServer, type Server } from 'node:http'
import Fastify from 'fastify'
import { attemptSilentLogin, oidc, requireClaims, requireGroup, requiresAuth } from '@oidc-rp/fastify'
import { closeServer, listenOnLoopback } from '../../support/http.js'
import { appErrorBody, type Driver } from '../driver.js'

export const fastifyDriver: Driver = {
  name: 'fastify',
  async start(options, extras = {}) {
    const { second } = extras
    let server!: Server
    const app = Fastify({ serverFactory: (handler) => (server = createServer(handler)) })
    const url = await listenOnLoopback(server)
    if (extras.errorHandler)
      app.setErrorHandler((err, _request, reply) => {
        const { status, body } = appErrorBody(err)
        return reply.code(status).send(body)
      })
    await app.register(oidc, { ...options, baseURL: url })
    if (second) {
      await app.register(
        async (child) => {
          await child.register(oidc, { ...second.options, baseURL: url + second.mount })
          child.get('/me', { preHandler: requiresAuth() }, async (request) => request.oidc.user)
        },
        { prefix: second.mount },
      )
    }
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
    app.get('/recent', { preHandler: requiresAuth({ maxAge: 60 }) }, async (request) => ({
      ok: true,
      auth_time: request.oidc.authTime,
    }))
    app.get('/strong', { preHandler: requiresAuth({ acr: 'urn:example:mfa' }) }, async (request) => ({
      ok: true,
      acr: request.oidc.acr,
    }))
    app.get('/admin-recent', { preHandler: requireGroup('admins', { maxAge: 60 }) }, async () => ({ ok: true }))
    app.get('/silent', { preHandler: attemptSilentLogin() }, async (request) => ({
      authenticated: request.oidc.isAuthenticated(),
    }))
    app.get<{ Querystring: { returnTo?: string } }>('/own-login', async (request, reply) =>
      reply.redirect(
        await request.oidc.login({
          returnTo: request.query.returnTo ?? '/',
          authorizationParams: { prompt: 'login' },
        }),
      ),
    )
    app.post<{ Querystring: { returnTo?: string } }>('/own-logout', async (request, reply) =>
      reply.redirect(await request.oidc.logout({ returnTo: request.query.returnTo ?? '/', idpLogout: false })),
    )
    await app.ready()
    return { url, close: () => closeServer(server) }
  },
}
