// @ts-check
// The example app: the same small app as examples/express and examples/koa.
import Fastify from 'fastify'
import { oidc, requiresAuth, requireGroup } from '@oidc-rp/fastify'
import { exampleSetup, homePage } from '@oidc-rp/example-shared'

const port = Number(process.env.PORT ?? 3000)
const setup = await exampleSetup({ port })

const app = Fastify()
await app.register(oidc, { ...setup.options, authRequired: false })

app.get('/', async (request, reply) => reply.type('text/html').send(homePage(request.oidc)))

app.get('/me', { preHandler: requiresAuth() }, async (request) => request.oidc.user)

app.get('/admin', { preHandler: requireGroup('admins') }, async () => ({ ok: true }))

// Step-up: a sign-in within the last minute, or through the provider again (RFC 9470 401 for an API client).
app.get('/recent', { preHandler: requiresAuth({ maxAge: setup.recentMaxAge }) }, async (request) => ({
  ok: true,
  auth_time: request.oidc.authTime,
}))

await app.listen({ port, host: setup.host })
setup.announce('fastify')
