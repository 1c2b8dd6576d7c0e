/**
 * A key server that cannot be read at refresh time is an outage like any other, for every
 * adapter: the provider rotates its signing key, so the refreshed ID token names a `kid`
 * the app must fetch, and the JWKS answers 500 (or a body that is not JSON). The session
 * is served while its tokens are valid, answers 503 + Retry-After once they have expired —
 * never 401, never a lost session — and refreshes as soon as the JWKS is back.
 * (jose also refetches the JWKS after 10 minutes; an unknown `kid` takes the same path
 * without the wait.)
 */
import { describe, it } from 'vitest'
import { drivers } from '../contract/drivers.js'
import type { Behaviour } from '../support/rogue-provider.js'
import {
  forEveryAdapter,
  get,
  poll,
  signInInBrowser,
  startRogueAndApp,
  until,
  untilDue,
  untilExpired,
} from './helpers.js'

/** Seconds both the access token and the ID token live: a refresh is due from half of it. */
const TTL = 10

const outages: [string, Partial<Behaviour>][] = [
  ['answers 500', { jwksStatus: 500 }],
  ['answers a body that is not JSON', { jwks: () => '<html>502 Bad Gateway</html>' }],
]

describe.concurrent(
  `the JWKS unreadable at refresh, for every adapter (${drivers.map((d) => d.name).join(', ')})`,
  () => {
    it.for(outages)(
      'the JWKS %s after a key rotation: served while valid, 503 + Retry-After once expired, refreshed when it is back; the session survives',
      async ([, outage], { expect }) => {
        await forEveryAdapter(async (driver, cleanup) => {
          // Both tokens short-lived, so that the session needs the refreshed ID token to go on.
          const { rogue, app } = await startRogueAndApp(driver, cleanup, {
            behaviour: { expiresIn: TTL, claims: (correct) => ({ ...correct, exp: Number(correct['iat']) + TTL }) },
          })
          const signingInAt = Date.now()
          const { callback, cookie } = await signInInBrowser(app.url)
          expect(callback.status, 'sign-in').toBe(302)
          const signedInAt = Date.now()

          await rogue.rotateKey()
          rogue.bend(outage)

          // Refresh due, tokens still valid: the refreshed ID token cannot be verified yet; served.
          await untilDue(signedInAt, TTL)
          expect(Date.now(), 'the sign-in took too long to see the tokens still valid').toBeLessThan(
            signingInAt + TTL * 1000 - 500,
          )
          const tokenCalls = rogue.requests.token
          const valid = await get(`${app.url}/me`, cookie)
          expect(valid.status, valid.body).toBe(200)
          expect(JSON.parse(valid.body)).toMatchObject({ sub: 'alice' })
          expect(valid.setCookie.join()).not.toMatch(/oidc\.session=;/)
          // The refresh may run after the response (the tokens were still valid): it was made.
          await until(() => rogue.requests.token > tokenCalls, 3000)

          // Expired: 503 with Retry-After for an API call and for a page alike; the cookie stays.
          await untilExpired(signedInAt, TTL)
          for (const accept of ['application/json', 'text/html']) {
            const down = await get(`${app.url}/me`, cookie, accept)
            expect(down.status, `${accept}: ${down.body}`).toBe(503)
            expect(down.retryAfter, accept).toMatch(/^\d+$/)
            expect(down.location, accept).toBeNull()
            expect(down.setCookie.join(), accept).not.toMatch(/oidc\.session=;/)
          }

          // Back: once Retry-After allows, a request refreshes, verifies the new key's ID token,
          // and the session goes on; until then it is 503 again, never 401.
          rogue.bend({ jwksStatus: 200, jwks: undefined })
          const back = await poll(`${app.url}/me`, cookie, (answer) => answer.status !== 503)
          expect(back.status, back.body).toBe(200)
          expect(JSON.parse(back.body)).toMatchObject({ sub: 'alice' })
          const refreshedCalls = rogue.requests.token
          const again = await get(`${app.url}/admin`, cookie)
          expect(again.status, again.body).toBe(200)
          expect(rogue.requests.token, 'the renewed ID token was kept: no refresh needed').toBe(refreshedCalls)
        })
      },
    )
  },
)
