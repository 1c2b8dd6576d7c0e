/**
 * The app's own pages and error handling: `renderError` renders the 401 and 403 answers;
 * `errorHandling: 'framework'` sends them, like every other error, through the framework's
 * error path (Express next(err), Fastify's error handler, Koa's thrown error and
 * `app.on('error')`), while a browser that must sign in is still redirected.
 */
import { describe, expect, it } from 'vitest'
import { refuse } from '@oidc-rp/core'
import { drivers } from './drivers.js'
import { summary } from './expectations.js'
import { useHarness } from './harness.js'

describe.each(drivers)('$name: own pages and error handling', (driver) => {
  const harness = useHarness(driver)

  it('renders the 403 page and the refused sign-in with renderError, keeping the built-in JSON', async () => {
    await harness.startApp({
      renderError: ({ code, status, message, html, user }) =>
        html ? `<h1>custom ${status} ${code}</h1><p>${message}</p><p>${String(user?.sub)}</p>` : undefined,
    })
    harness.rogue.bend({ claims: { groups: ['developers'] } })
    const dance = await harness.dance()
    const page = await dance.browser.navigate(harness.url('/admin'))
    expect(page.status, summary(page)).toBe(403)
    expect(page.body).toContain('<h1>custom 403 forbidden</h1>')
    expect(page.body).toContain('requires membership of the group admins')
    expect(page.body).toContain('alice')
    const api = await dance.browser.api(harness.url('/admin'))
    expect(api.status).toBe(403)
    expect(JSON.parse(api.body)).toMatchObject({ error: 'forbidden' })
  })

  it('lets renderError answer in full, e.g. its own JSON with the challenge kept', async () => {
    await harness.startApp({
      renderError: ({ status, code, response }) => ({
        status,
        headers: { ...response.headers, 'content-type': 'application/problem+json' },
        body: JSON.stringify({ type: `about:${code}`, status }),
      }),
    })
    const me = await harness.me(harness.browser())
    expect(me.status, summary(me)).toBe(401)
    expect(me.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(me.headers.get('www-authenticate')).toMatch(/^Bearer/)
    expect(JSON.parse(me.body)).toEqual({ type: 'about:unauthenticated', status: 401 })
  })

  it("sends 401, 403 and a refused sign-in to the app's error handler with errorHandling: 'framework'", async () => {
    await harness.startApp(
      {
        errorHandling: 'framework',
        onSignIn: ({ claims }) =>
          claims.sub === 'alice' && claims.refuseMe === true ? refuse('nope', 'No.') : undefined,
      },
      { errorHandler: true },
    )
    harness.rogue.bend({ claims: { groups: ['developers'] } })
    const dance = await harness.dance()
    expect(dance.callback.status, summary(dance.callback)).toBe(302)
    const forbidden = await dance.browser.navigate(harness.url('/admin'))
    expect(forbidden.status, summary(forbidden)).toBe(403)
    expect(JSON.parse(forbidden.body)).toMatchObject({ handledBy: 'app', code: 'forbidden', status: 403 })

    const anonymous = await harness.me(harness.browser())
    expect(JSON.parse(anonymous.body)).toMatchObject({ handledBy: 'app', code: 'unauthenticated', status: 401 })
    const navigation = await harness.browser().navigate(harness.url('/me'))
    expect(navigation.status, 'a browser that must sign in is still redirected').toBe(302)

    harness.rogue.bend({ claims: { refuseMe: true } })
    const refused = await harness.dance()
    expect(refused.callback.status, summary(refused.callback)).toBe(403)
    expect(JSON.parse(refused.callback.body)).toMatchObject({ handledBy: 'app', code: 'sign_in_refused' })
  })

  it('sends a failed sign-in to the framework error path in any mode (Koa: app.on("error") hears it)', async () => {
    const heard: unknown[] = []
    await harness.startApp({ clientSecret: 'not-the-secret' }, { errorHandler: true, onAppError: (e) => heard.push(e) })
    const dance = await harness.dance()
    expect(dance.callback.status, summary(dance.callback)).toBe(400)
    expect(JSON.parse(dance.callback.body)).toMatchObject({ handledBy: 'app', code: 'token_exchange_failed' })
    if (driver.name.startsWith('koa'))
      expect(heard).toEqual([expect.objectContaining({ code: 'token_exchange_failed' })])
  })

  it("sends a refused bearer token to the app's error handler with its challenge", async () => {
    await harness.startApp({ bearer: true, errorHandling: 'framework' }, { errorHandler: true })
    const answer = await harness.browser().api(harness.url('/me'), { headers: { authorization: 'Bearer not.a.jwt' } })
    expect(answer.status, summary(answer)).toBe(401)
    expect(JSON.parse(answer.body)).toMatchObject({ handledBy: 'app', code: 'invalid_token' })
  })

  it('refuses an unknown errorHandling, naming the option and its variable', async () => {
    await expect(harness.startApp({ errorHandling: 'loud' as 'builtin' })).rejects.toThrow(
      /errorHandling \(OIDC_ERROR_HANDLING\): must be builtin or framework/,
    )
  })
})

describe.each(drivers.filter((driver) => driver.name.startsWith('koa')))("$name: app.on('error')", (driver) => {
  const harness = useHarness(driver)

  it("a failed sign-in reaches app.on('error') through Koa's own error handling", async () => {
    const heard: unknown[] = []
    await harness.startApp(
      { clientSecret: 'not-the-secret', logger: { warn: () => undefined, error: () => undefined } },
      { onAppError: (e) => heard.push(e) },
    )
    const dance = await harness.dance()
    expect(dance.callback.status, summary(dance.callback)).toBe(400)
    expect(heard).toEqual([expect.objectContaining({ code: 'token_exchange_failed', providerError: 'invalid_client' })])
  })
})
