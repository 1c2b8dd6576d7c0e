// @ts-check
// The example app: the same small app as examples/fastify and examples/koa.
// With OIDC_ISSUER and the other OIDC_* variables set it signs in against that provider;
// without them it starts the embedded dev provider from @oidc-rp/testing.
import express from 'express'
import { oidc, requiresAuth, requireGroup } from '@oidc-rp/express'
import { exampleSetup, homePage } from '@oidc-rp/example-shared'

const port = Number(process.env.PORT ?? 3000)
const setup = await exampleSetup({ port })

const app = express()
app.use(oidc({ ...setup.options, authRequired: false }))

app.get('/', (req, res) => {
  res.type('html').send(homePage(req.oidc))
})

app.get('/me', requiresAuth(), (req, res) => {
  res.json(req.oidc.user)
})

app.get('/admin', requireGroup('admins'), (_req, res) => {
  res.json({ ok: true })
})

// Step-up: a sign-in within the last minute, or through the provider again (RFC 9470 401 for an API client).
app.get('/recent', requiresAuth({ maxAge: setup.recentMaxAge }), (req, res) => {
  res.json({ ok: true, auth_time: req.oidc.authTime })
})

app.listen(port, setup.host, () => setup.announce('express'))
