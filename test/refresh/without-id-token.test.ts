/**
 * A provider that answers refreshes without an ID token (OpenID Connect Core §12.2:
 * Glewlwyd, some Okta and Entra configurations), for every adapter, memory store: the
 * schedule follows the tokens the provider renews, so steady traffic makes one refresh per
 * token (at half its lifetime, for tokens this short), never one per request, with or
 * without `expires_in`; and the first ID token, expired and never renewed, turns nothing
 * into a 503 while the provider is down and the access token is valid.
 */
import { describe, it } from 'vitest'
import { drivers, type Driver } from '../contract/drivers.js'
import type { Behaviour } from '../support/rogue-provider.js'
import {
  forEveryAdapter,
  get,
  signInInBrowser,
  sleep,
  startRogueAndApp,
  statuses,
  type Answer,
  type Cleanup,
} from './helpers.js'

/** Seconds every token lives (the first ID token too): due from half of it. */
const TTL = 6
/** Seconds of steady traffic: three lifetimes. */
const WINDOW = 3 * TTL

/** A rogue provider that sends no ID token on refresh, an app on it, and alice signed in. */
async function signedIn(driver: Driver, cleanup: Cleanup, behaviour: Partial<Behaviour>) {
  const { rogue, app } = await startRogueAndApp(driver, cleanup, {
    behaviour: {
      expiresIn: TTL,
      omitIdToken: 'refresh',
      claims: (correct) => ({ ...correct, exp: Number(correct['iat']) + TTL }),
      ...behaviour,
    },
  })
  const { callback, cookie } = await signInInBrowser(app.url)
  if (callback.status !== 302) throw new Error(`sign-in failed: ${callback.status}`)
  return { rogue, app, cookie, signedInAt: Date.now() }
}

/** GET every 100 ms for `seconds`: every answer. */
async function steady(url: string, cookie: string, seconds: number): Promise<Answer[]> {
  const answers: Answer[] = []
  const by = Date.now() + seconds * 1000
  while (Date.now() < by) {
    answers.push(await get(url, cookie))
    await sleep(100)
  }
  return answers
}

const cases: [string, Partial<Behaviour>][] = [
  ['with expires_in', {}],
  ['without expires_in either (the previous lifetime is assumed)', { tokenBody: { expires_in: undefined } }],
]

describe.concurrent(
  `refreshes answered without id_token, for every adapter (${drivers.map((d) => d.name).join(', ')})`,
  () => {
    it.for(cases)(
      '%s: one refresh per token lifetime under steady traffic, never one per request',
      { timeout: 60_000 },
      async ([, behaviour], { expect }) => {
        await forEveryAdapter(async (driver, cleanup) => {
          const { rogue, app, cookie } = await signedIn(driver, cleanup, behaviour)
          const before = rogue.requests.token
          const answers = await steady(`${app.url}/me`, cookie, WINDOW)
          const refreshes = rogue.requests.token - before
          expect(statuses(answers)).toEqual({ 200: answers.length })
          expect(answers.length, 'steady traffic').toBeGreaterThan(WINDOW * 3)
          // Due at half the lifetime (whole seconds, a refresh in the background): every 3 to 4 s.
          expect(refreshes, 'token-endpoint calls').toBeGreaterThanOrEqual(WINDOW / TTL)
          expect(refreshes, 'token-endpoint calls').toBeLessThanOrEqual((2 * WINDOW) / TTL + 1)
          expect(rogue.lastTokenRequest?.get('grant_type')).toBe('refresh_token')
        })
      },
    )

    it('the ID token, expired and not renewed, is no reason for a 503 while the provider is down and the access token is valid', async ({
      expect,
    }) => {
      await forEveryAdapter(async (driver, cleanup) => {
        const { rogue, app, cookie, signedInAt } = await signedIn(driver, cleanup, {})
        // Refreshed (without ID token) at half the lifetime, by steady traffic.
        const answers = await steady(`${app.url}/me`, cookie, TTL / 2 + 1.5)
        expect(statuses(answers)).toEqual({ 200: answers.length })
        expect(rogue.requests.token, 'sign-in and one refresh').toBe(2)
        // The first ID token has expired; the renewed access token has seconds left.
        await sleep(Math.max(0, signedInAt + TTL * 1000 + 300 - Date.now()))
        rogue.bend({ down: 503 })
        const down = await get(`${app.url}/me`, cookie)
        expect(down.status, down.body).toBe(200)
        expect(JSON.parse(down.body)).toMatchObject({ sub: 'alice' })
      })
    }, 60_000)
  },
)
