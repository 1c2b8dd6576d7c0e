import { createServer } from 'node:http'
import express from 'express'
import express4 from 'express4'
import { attemptSilentLogin, oidc, requireClaims, requireGroup, requiresAuth } from '@oidc-rp/express'
import { closeServer, listenOnLoopback } from '../../support/http.js'
import { appErrorBody, type AppOptions, type Driver } from '../driver.js'

/** Compile-time contract check: every contract option is an option of this adapter's oidc(). */
type Assert<T extends true> = T
type Unsupported = Exclude<keyof AppOptions, keyof NonNullable<Parameters<typeof oidc>[0]>>
export type ExpressTakesEveryContractOption = Assert<[Unsupported] extends [never] ? true : false>

/** The same app on Express 5 and on Express 4 (the types of 5 describe both here). */
function expressDriver(name: string, createApp: () => express.Express): Driver {
  return {
    name,
    async start(options, extras = {}) {
      const { second } = extras
      const app = createApp()
      const server = createServer(app)
      const url = await listenOnLoopback(server)
      app.use(oidc({ ...options, baseURL: url }))
      if (second) {
        app.use(second.mount, oidc({ ...second.options, baseURL: url + second.mount }))
        app.get(`${second.mount}/me`, requiresAuth(), (req, res) => {
          res.json(req.oidc.user)
        })
      }
      app.get('/', (req, res) => {
        res.json({ page: 'public', authenticated: req.oidc.isAuthenticated() })
      })
      app.get('/me', requiresAuth(), (req, res) => {
        res.json(req.oidc.user)
      })
      app.get('/admin', requireGroup('admins'), (_req, res) => {
        res.json({ ok: true })
      })
      app.get(
        '/claims-admin',
        requireClaims((claims) => claims.isAdmin === true),
        (_req, res) => {
          res.json({ ok: true })
        },
      )
      app.post('/refresh', requiresAuth(), (req, res, next) => {
        req.oidc
          .refresh()
          .then(() => res.json({ idTokenExpiresAt: req.oidc.idTokenExpiresAt, groups: req.oidc.groups }), next)
      })
      app.get('/userinfo', requiresAuth(), (req, res, next) => {
        req.oidc.fetchUserInfo().then((claims) => res.json(claims), next)
      })
      app.get('/recent', requiresAuth({ maxAge: 60 }), (req, res) => {
        res.json({ ok: true, auth_time: req.oidc.authTime })
      })
      app.get('/strong', requiresAuth({ acr: 'urn:example:mfa' }), (req, res) => {
        res.json({ ok: true, acr: req.oidc.acr })
      })
      app.get('/admin-recent', requireGroup('admins', { maxAge: 60 }), (_req, res) => {
        res.json({ ok: true })
      })
      app.get('/silent', attemptSilentLogin(), (req, res) => {
        res.json({ authenticated: req.oidc.isAuthenticated() })
      })
      app.get('/own-login', (req, res, next) => {
        const returnTo = typeof req.query['returnTo'] === 'string' ? req.query['returnTo'] : '/'
        req.oidc.login({ returnTo, authorizationParams: { prompt: 'login' } }).then((url) => res.redirect(url), next)
      })
      app.post('/own-logout', (req, res, next) => {
        const returnTo = typeof req.query['returnTo'] === 'string' ? req.query['returnTo'] : '/'
        req.oidc.logout({ returnTo, idpLogout: false }).then((url) => res.redirect(url), next)
      })
      if (extras.errorHandler)
        // Express tells an error handler by its four parameters, the last one unused here.

        app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
          const { status, body } = appErrorBody(err)
          res.status(status).json(body)
        })
      return { url, close: () => closeServer(server) }
    },
  }
}

export const express5Driver = expressDriver('express', () => express())
export const express4Driver = expressDriver('express4', () => express4() as unknown as express.Express)
