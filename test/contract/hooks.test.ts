/**
 * The app's hooks: `onSignIn` maps, reduces and enriches the claims, or refuses with a
 * reason the user is shown (403, never a redirect); it can never replace protocol claims;
 * its tokens are usable and never printed. `onRefresh` does the same with renewed claims.
 */
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { refuse, type OidcEvent, type OnSignIn, type SignInContext } from '@oidc-rp/core'
import { drivers } from './drivers.js'
import { cookiesSet, summary } from './expectations.js'
import { useHarness } from './harness.js'

describe.each(drivers)('$name: sign-in and refresh hooks', (driver) => {
  const harness = useHarness(driver)

  it('keeps the claims onSignIn returns: mapped, reduced, enriched', async () => {
    await harness.startApp({
      onSignIn: async ({ claims }) => {
        await Promise.resolve()
        const rest: Record<string, unknown> = { ...claims }
        delete rest.email
        return { ...rest, sub: claims.sub, roles: claims.sub === 'alice' ? ['owner'] : [], name: 'Alice (mapped)' }
      },
    })
    const dance = await harness.dance()
    expect(dance.callback.status, summary(dance.callback)).toBe(302)
    const me = await harness.me(dance.browser)
    expect(me.status, summary(me)).toBe(200)
    const user = JSON.parse(me.body) as Record<string, unknown>
    expect(user).toMatchObject({ sub: 'alice', roles: ['owner'], name: 'Alice (mapped)' })
    expect(user).not.toHaveProperty('email')
    expect((await dance.browser.api(harness.url('/admin'))).status, 'groups are still read').toBe(200)
  })

  it('never lets onSignIn replace or remove sub, iss or aud: the session keeps working', async () => {
    const warnings: string[] = []
    await harness.startApp({
      logger: { warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
      onSignIn: () => ({ sub: 'mallory', groups: ['admins'] }),
    })
    const dance = await harness.dance()
    const me = await harness.me(dance.browser)
    expect(me.status, summary(me)).toBe(200)
    expect(JSON.parse(me.body)).toEqual({ sub: 'alice', groups: ['admins'] })
    expect(warnings.join('\n')).toMatch(/onSignIn tried to change sub/)
    // a refresh compares the renewed ID token's iss and aud with the session's: still there
    const refreshed = await dance.browser.api(harness.url('/refresh'), { method: 'POST' })
    expect(refreshed.status, summary(refreshed)).toBe(200)
  })

  it('gives the hook the token response and the request, and prints no token', async () => {
    let seen: { access: unknown; printed: string; json: string; url: string } | undefined
    await harness.startApp({
      onSignIn: (context: SignInContext) => {
        seen = {
          access: context.tokens.accessToken,
          printed: inspect(context, { depth: 5 }),
          json: JSON.stringify(context),
          url: context.request.url,
        }
      },
    })
    await harness.dance()
    expect(seen, 'the hook ran').toBeDefined()
    expect(typeof seen!.access).toBe('string')
    const idToken = harness.rogue.lastIdToken!
    for (const text of [seen!.printed, seen!.json]) {
      expect(text).not.toContain(seen!.access as string)
      expect(text).not.toContain(idToken)
    }
    expect(seen!.url).toMatch(/^\/callback\?/)
  })

  it('refuses with a reason the user is shown: a 403 page, no session, no redirect; JSON for an API client', async () => {
    const warnings: string[] = []
    const events: OidcEvent[] = []
    await harness.startApp({
      logger: { warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
      onEvent: (event) => void events.push(event),
      onSignIn: ({ claims }) =>
        refuse('email_unverified', `The email address ${String(claims.email)} is not verified.`),
    })
    const dance = await harness.dance()
    expect(dance.callback.status, summary(dance.callback)).toBe(403)
    expect(dance.callback.headers.get('content-type')).toMatch(/html/)
    expect(dance.callback.body).toContain('The email address alice@example.com is not verified.')
    expect(cookiesSet(dance.callback).filter((c) => c.startsWith('oidc.session'))).toEqual([])
    expect((await harness.me(dance.browser)).status).toBe(401)
    expect(warnings.filter((w) => w.includes('sign-in refused'))).toHaveLength(1)
    expect(warnings.join('\n')).toMatch(/sign-in refused \[email_unverified\]/)
    expect(events).toEqual([expect.objectContaining({ type: 'signInRefused', reason: 'email_unverified' })])

    const reached = await harness.reachCallback()
    const api = await reached.browser.api(reached.callbackUrl)
    expect(api.status, summary(api)).toBe(403)
    expect(JSON.parse(api.body)).toEqual({
      error: 'sign_in_refused',
      reason: 'email_unverified',
      message: 'The email address alice@example.com is not verified.',
    })
  })

  it('refuses when the hook throws SignInRefused from deeper in the app', async () => {
    await harness.startApp({
      onSignIn: () => {
        throw refuse('suspended', 'This account is suspended.')
      },
    })
    const dance = await harness.dance()
    expect(dance.callback.status, summary(dance.callback)).toBe(403)
    expect(dance.callback.body).toContain('This account is suspended.')
  })

  it('answers a hook that fails with a 500 without its stack, and no session', async () => {
    const warnings: string[] = []
    await harness.startApp({
      logger: { warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
      onSignIn: () => {
        throw new Error('database down')
      },
    })
    const dance = await harness.dance()
    expect(dance.callback.status, summary(dance.callback)).toBe(500)
    expect(dance.callback.body).not.toContain('database down')
    expect(cookiesSet(dance.callback).filter((c) => c.startsWith('oidc.session'))).toEqual([])
    expect(warnings.join('\n')).toMatch(/sign-in refused \[internal\].*database down/)
  })

  it('refuses a hook answer that is not claims', async () => {
    await harness.startApp({ onSignIn: () => 'alice' as unknown as undefined })
    const dance = await harness.dance()
    expect(dance.callback.status, summary(dance.callback)).toBe(500)
    expect((await harness.me(dance.browser)).status).toBe(401)
  })

  it('onRefresh sees the renewed and the previous claims, and keeps what it returns', async () => {
    const seen: { claims: Record<string, unknown>; previous: Record<string, unknown>; renewed: boolean }[] = []
    await harness.startApp({
      onSignIn: ({ claims }) => ({ ...claims, roles: ['owner'] }),
      onRefresh: ({ claims, previous, idTokenRenewed, tokens }) => {
        seen.push({ claims, previous, renewed: idTokenRenewed })
        expect(typeof tokens.accessToken).toBe('string')
        return { ...claims, roles: previous.roles, refreshedOnce: true }
      },
    })
    const dance = await harness.dance()
    harness.rogue.bend({ claims: { groups: ['developers'] } })
    const refreshed = await dance.browser.api(harness.url('/refresh'), { method: 'POST' })
    expect(refreshed.status, summary(refreshed)).toBe(200)
    expect(JSON.parse(refreshed.body)).toMatchObject({ groups: ['developers'] })
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ renewed: true, previous: { roles: ['owner'] }, claims: { groups: ['developers'] } })
    expect(seen[0]?.claims).not.toHaveProperty('roles')
    const me = JSON.parse((await harness.me(dance.browser)).body) as Record<string, unknown>
    expect(me).toMatchObject({ sub: 'alice', roles: ['owner'], refreshedOnce: true, groups: ['developers'] })
  })

  it('runs onRefresh when the provider sends no new ID token, with the session claims', async () => {
    const seen: boolean[] = []
    await harness.startApp({
      onSignIn: ({ claims }) => ({ ...claims, roles: ['owner'] }),
      onRefresh: ({ claims, idTokenRenewed }) => {
        seen.push(idTokenRenewed)
        return { ...claims, checkedAt: 'refresh' }
      },
    })
    harness.rogue.bend({ omitIdToken: 'refresh' })
    const dance = await harness.dance()
    const refreshed = await dance.browser.api(harness.url('/refresh'), { method: 'POST' })
    expect(refreshed.status, summary(refreshed)).toBe(200)
    expect(seen).toEqual([false])
    const me = JSON.parse((await harness.me(dance.browser)).body) as Record<string, unknown>
    expect(me).toMatchObject({ sub: 'alice', roles: ['owner'], checkedAt: 'refresh' })
  })

  it('ends the session when onRefresh refuses', async () => {
    const events: OidcEvent[] = []
    await harness.startApp({
      onEvent: (event) => void events.push(event),
      onRefresh: () => refuse('disabled', 'The account was disabled.'),
    })
    const dance = await harness.dance()
    const refreshed = await dance.browser.api(harness.url('/refresh'), { method: 'POST' })
    expect(refreshed.status, summary(refreshed)).toBe(401)
    expect((await harness.me(dance.browser)).status).toBe(401)
    expect(events.map((e) => e.type)).toEqual(['signedIn', 'sessionEnded', 'refreshFailed'])
    expect(events[1]).toMatchObject({ type: 'sessionEnded', sub: 'alice', reason: 'refused_by_hook' })
  })

  it('keeps the previous claims when onRefresh fails, and the session', async () => {
    await harness.startApp({
      logger: { warn: () => undefined, error: () => undefined },
      onSignIn: ({ claims }) => ({ ...claims, roles: ['owner'] }),
      onRefresh: () => {
        throw new Error('database down')
      },
    })
    const dance = await harness.dance()
    const refreshed = await dance.browser.api(harness.url('/refresh'), { method: 'POST' })
    expect(refreshed.status, summary(refreshed)).toBe(200)
    expect(JSON.parse((await harness.me(dance.browser)).body)).toMatchObject({ roles: ['owner'] })
  })

  it('refuses an option that is not a function, naming it', async () => {
    await expect(harness.startApp({ onSignIn: 'yes' as unknown as OnSignIn })).rejects.toThrow(
      /onSignIn: must be a function/,
    )
  })
})
