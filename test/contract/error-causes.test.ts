/**
 * oauth4webapi attaches whole token responses to some of its errors (`cause: { body }`) and
 * jose attaches token payloads: an `OidcError`'s cause chain, which loggers walk (Sentry,
 * util.inspect), must hold none of the tokens. Driven through the core against the rogue
 * provider, whose token responses are captured so the test knows the live values.
 */
import { randomBytes } from 'node:crypto'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OidcError, RelyingParty } from '@oidc-rp/core'
import { startRogueProvider, type RogueProvider } from '../support/rogue-provider.js'

let rogue: RogueProvider
beforeAll(async () => {
  rogue = await startRogueProvider()
})
afterAll(() => rogue.close())

const cookiePair = (header: string) => header.slice(0, header.indexOf(';'))

/** Signs in through the core; resolves to the error the callback threw. */
async function failedCallback(): Promise<unknown> {
  const rp = new RelyingParty(
    {
      issuer: rogue.issuer,
      clientId: rogue.clientId,
      clientSecret: rogue.clientSecret,
      baseURL: 'http://127.0.0.1:1',
      secret: randomBytes(32).toString('base64url'),
      authRequired: false,
    },
    {},
  )
  const cookies: string[] = []
  const login = await rp.handle({ method: 'GET', url: '/login', headers: {} }, (c) => cookies.push(c))
  const authorize = await fetch(String(login.response?.headers.location), { redirect: 'manual' })
  const back = new URL(authorize.headers.get('location')!)
  try {
    await rp.handle(
      { method: 'GET', url: `/callback${back.search}`, headers: { cookie: cookiePair(cookies[0]) } },
      () => {},
    )
  } catch (err) {
    return err
  }
  throw new Error('the callback was expected to fail')
}

describe('error causes', () => {
  it.each([
    ['an unsupported token_type (oauth4webapi keeps the whole body)', { token_type: 'weird' }],
    ['an invalid expires_in', { expires_in: 'soon' }],
  ])('hold no token after %s', async (_name, change) => {
    const live: string[] = []
    rogue.bend({
      tokenBody: (correct) => {
        for (const key of ['access_token', 'refresh_token', 'id_token'])
          if (typeof correct[key] === 'string') live.push(correct[key])
        return { ...correct, ...change }
      },
    })
    try {
      const err = await failedCallback()
      expect(err).toBeInstanceOf(OidcError)
      expect(live.length).toBeGreaterThan(0)
      const printed = inspect(err, { depth: Infinity, showHidden: true })
      for (const token of live) expect(printed).not.toContain(token)
      expect(printed, 'the cause still says what failed').toMatch(/token_type|expires_in/)
    } finally {
      rogue.reset()
    }
  })
})
