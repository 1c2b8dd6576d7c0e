/**
 * Back-channel logout across processes: the provider's logout token reaches one process,
 * and the session ends at once in every process sharing the Redis store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signIn, startDevProvider, type DevProvider } from '@oidc-rp/testing'
import { freePort } from '../support/net.js'
import { startRedisServer, type RedisServer } from '../support/redis-server.js'
import { get, newSecret, startAppProcess, type AppProcess } from './helpers.js'

describe('back-channel logout with Redis and two processes', () => {
  let redis: RedisServer
  let provider: DevProvider
  let receiver: AppProcess
  let other: AppProcess

  beforeAll(async () => {
    redis = await startRedisServer()
    const port = await freePort()
    const clientSecret = newSecret()
    provider = await startDevProvider({
      clients: [
        { clientId: 'bcl-app', clientSecret, backchannelLogoutUri: `http://127.0.0.1:${port}/backchannel-logout` },
      ],
    })
    const env = {
      ISSUER: provider.issuer,
      CLIENT_ID: 'bcl-app',
      CLIENT_SECRET: clientSecret,
      SECRET: newSecret(),
      REDIS_URL: redis.url,
    }
    ;[receiver, other] = await Promise.all([startAppProcess({ ...env, PORT: String(port) }), startAppProcess(env)])
  }, 60_000)
  afterAll(async () => {
    await Promise.allSettled([receiver?.kill(), other?.kill()])
    await provider?.close()
    await redis?.close()
  })

  it("ends alice's sessions in every process at once, and leaves bob's", async () => {
    const aliceHere = await signIn(receiver.url, 'alice')
    const aliceThere = await signIn(other.url, 'alice')
    const bob = await signIn(other.url, 'bob')
    for (const app of [receiver, other]) {
      for (const { cookie } of [aliceHere, aliceThere, bob])
        expect((await get(`${app.url}/me`, cookie)).status).toBe(200)
    }

    await provider.backchannelLogout('alice') // a logout token per provider session (sid), POSTed to `receiver`

    for (const app of [receiver, other]) {
      expect((await get(`${app.url}/me`, aliceHere.cookie)).status).toBe(401)
      expect((await get(`${app.url}/me`, aliceThere.cookie)).status).toBe(401)
      expect((await get(`${app.url}/me`, bob.cookie)).status).toBe(200)
    }
  })

  /** The session's ID token, presented as a bearer token to `app`. */
  const idTokenOf = async (app: AppProcess, cookie: string) =>
    (JSON.parse((await get(`${app.url}/id-token`, cookie)).body) as { idToken: string }).idToken
  const asBearer = (app: AppProcess, token: string) =>
    fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }).then(
      (r) => r.status,
    )

  it('refuses the ID tokens of a logged-out provider session as bearer tokens in every process, cached there or not', async () => {
    const alice = await signIn(other.url, 'alice')
    const token = await idTokenOf(other, alice.cookie)
    for (const app of [receiver, other]) expect(await asBearer(app, token), 'accepted (and cached) before').toBe(200)

    await provider.backchannelLogout('alice') // reaches `receiver` only

    for (const app of [receiver, other])
      expect(await asBearer(app, token), 'refused after the back-channel logout').toBe(401)
  })

  it('refuses them after a logout in one process, in the other too', async () => {
    const bob = await signIn(receiver.url, 'bob')
    const token = await idTokenOf(receiver, bob.cookie)
    expect(await asBearer(other, token)).toBe(200)
    const logout = await get(`${receiver.url}/logout`, bob.cookie)
    expect(logout.status).toBe(302)
    expect(await asBearer(other, token)).toBe(401)
    expect(await asBearer(receiver, token)).toBe(401)
  })
})
