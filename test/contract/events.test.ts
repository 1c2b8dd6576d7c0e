/**
 * Events for logs and metrics, and the `debug` trace: what happened, with who and why, and
 * never a token or a secret.
 */
import { describe, expect, it } from 'vitest'
import type { OidcEvent } from '@oidc-rp/core'
import { drivers } from './drivers.js'
import { expectSignedIn, summary } from './expectations.js'
import { useHarness, type Harness } from './harness.js'
import { mintLogoutToken } from './tokens.js'

function recorder(harness: Harness) {
  const events: OidcEvent[] = []
  const lines: string[] = []
  return {
    events,
    lines,
    start: (extra: { debug?: boolean } = {}) =>
      harness.startApp({
        ...extra,
        onEvent: (event) => void events.push(event),
        logger: {
          debug: (m) => lines.push(`debug ${m}`),
          warn: (m) => lines.push(`warn ${m}`),
          error: (m) => lines.push(`error ${m}`),
        },
      }),
  }
}

/** No token the provider issued, and neither the client secret nor the cookie secret. */
function expectNothingSecret(harness: Harness, text: string): void {
  const idToken = harness.rogue.lastIdToken
  expect(idToken).toBeDefined()
  expect(text).not.toContain(idToken!)
  expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/)
  expect(text).not.toContain(harness.rogue.clientSecret)
  for (const secret of [harness.options.secret].flat()) expect(text).not.toContain(secret)
}

describe.each(drivers)('$name: events and debug', (driver) => {
  const harness = useHarness(driver)

  it('tells signed in, refreshed, signed out, with sub and sid and no token', async () => {
    const { events, start } = recorder(harness)
    await start()
    harness.rogue.bend({ claims: { sid: 'sid-events' } })
    const dance = await harness.dance()
    await expectSignedIn(harness, dance)
    const refreshed = await dance.browser.api(harness.url('/refresh'), { method: 'POST' })
    expect(refreshed.status, summary(refreshed)).toBe(200)
    const logout = await dance.browser.navigate(harness.url('/logout'))
    expect(logout.status, summary(logout)).toBe(302)
    expect(events).toEqual([
      { type: 'signedIn', sub: 'alice', sid: 'sid-events' },
      { type: 'refreshed', sub: 'alice', sid: 'sid-events', idTokenRenewed: true },
      { type: 'signedOut', sub: 'alice', sid: 'sid-events' },
    ])
    expectNothingSecret(harness, JSON.stringify(events))
  })

  it('tells a refused refresh (session ended) and a failed one (session kept)', async () => {
    const { events, start } = recorder(harness)
    await start()
    const dance = await harness.dance()
    harness.rogue.bend({ down: 503, affects: ['token'] })
    const failed = await dance.browser.api(harness.url('/refresh'), { method: 'POST' })
    expect(failed.status, summary(failed)).toBe(503)
    harness.rogue.reset()
    const second = await harness.dance()
    harness.rogue.bend({ tokenStatus: 400, tokenBody: () => ({ error: 'invalid_grant' }), affects: ['token'] })
    const refused = await second.browser.api(harness.url('/refresh'), { method: 'POST' })
    expect(refused.status, summary(refused)).toBe(401)
    expect(events.filter((e) => e.type !== 'signedIn')).toEqual([
      { type: 'refreshFailed', sub: 'alice', reason: 'provider_unavailable', sessionKept: true },
      { type: 'sessionEnded', sub: 'alice', reason: 'refresh_refused' },
      { type: 'refreshFailed', sub: 'alice', reason: 'session_ended', sessionKept: false },
    ])
  })

  it('tells a back-channel logout, with how many sessions it ended', async () => {
    const { events, start } = recorder(harness)
    await start()
    harness.rogue.bend({ claims: { sid: 'sid-alice-1' } })
    await expectSignedIn(harness, await harness.dance())
    const response = await fetch(harness.url('/backchannel-logout'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: await mintLogoutToken(harness.rogue) }).toString(),
    })
    expect(response.status).toBe(200)
    expect(events.at(-1)).toEqual({ type: 'backchannelLogout', sub: 'alice', sid: 'sid-alice-1', sessions: 1 })
  })

  it('tells a session found past its idle timeout', async () => {
    const events: OidcEvent[] = []
    await harness.startApp({
      session: { stateless: true, idleTimeout: 1 },
      onEvent: (event) => void events.push(event),
    })
    const dance = await harness.dance()
    await expectSignedIn(harness, dance)
    await new Promise((resolve) => setTimeout(resolve, 2100))
    expect((await harness.me(dance.browser)).status).toBe(401)
    expect(events.at(-1)).toEqual({ type: 'sessionEnded', sub: 'alice', reason: 'idle_timeout' })
  })

  it('survives an event handler that throws or rejects, and logs it', async () => {
    const lines: string[] = []
    await harness.startApp({
      logger: { warn: (m) => lines.push(m), error: (m) => lines.push(m) },
      onEvent: (event) => {
        if (event.type === 'signedIn') throw new Error('metrics down')
        return Promise.reject(new Error('never'))
      },
    })
    await expectSignedIn(harness, await harness.dance())
    expect(lines.join('\n')).toContain('onEvent(signedIn) failed: metrics down')
  })

  it('traces each step of a sign-in and a refresh with debug, and none without', async () => {
    const quiet = recorder(harness)
    await quiet.start()
    const first = await harness.dance()
    await first.browser.api(harness.url('/refresh'), { method: 'POST' })
    expect(quiet.lines.filter((l) => l.startsWith('debug'))).toEqual([])

    const traced = recorder(harness)
    await traced.start({ debug: true })
    const dance = await harness.dance()
    await expectSignedIn(harness, dance)
    const refreshed = await dance.browser.api(harness.url('/refresh'), { method: 'POST' })
    expect(refreshed.status, summary(refreshed)).toBe(200)
    const debug = traced.lines.filter((l) => l.startsWith('debug')).join('\n')
    for (const step of [
      /sign-in: to .*\/authorize with scope "openid/,
      /sign-in: callback received/,
      /sign-in: code exchanged at .*\/token/,
      /sign-in: ID token verified \(iss .*, sub "alice"/,
      /sign-in: session written/,
      /refresh: renewing the tokens/,
      /refresh: token endpoint answered/,
      /refresh: renewed session saved/,
    ])
      expect(debug).toMatch(step)
    expectNothingSecret(harness, traced.lines.join('\n'))
  })
})
