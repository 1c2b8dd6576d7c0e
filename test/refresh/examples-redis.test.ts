/**
 * The examples contract with REDIS_URL: sessions live in Redis, so a session survives
 * restarting the example's process (with the same OIDC_SECRET, so its cookie still
 * verifies). The provider runs here, outside the example, as a real deployment's would; the
 * example gets it through the OIDC_* variables. The control: without REDIS_URL the session
 * is gone after a restart.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { signIn, startDevProvider, type DevProvider } from '@oidc-rp/testing'
import { startExample as startExampleProcess, type ExampleProcess } from '../support/example-process.js'
import { startRedisServer, type RedisServer } from '../support/redis-server.js'
import { get, newSecret } from './helpers.js'

const examples = ['express', 'fastify', 'koa'] as const
const secret = (name: string) => `${name}-${randomBytes(24).toString('base64url')}`
const clients = examples.map((name) => ({ clientId: `example-${name}`, clientSecret: secret(name) }))

let redis: RedisServer
let provider: DevProvider

beforeAll(async () => {
  ;[redis, provider] = await Promise.all([startRedisServer(), startDevProvider({ clients })])
})
afterAll(async () => {
  await provider?.close()
  await redis?.close()
})

/** startExample, with a stop() that may be called again once the process has exited. */
async function startExample(name: string, env: Record<string, string>): Promise<ExampleProcess> {
  const example = await startExampleProcess(name, env)
  let stopping: Promise<void> | undefined
  return { ...example, stop: () => (stopping ??= example.stop()) }
}

function environment(name: (typeof examples)[number], options: { redis: boolean }): Record<string, string> {
  const client = clients.find((c) => c.clientId === `example-${name}`)!
  return {
    OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: client.clientId,
    OIDC_CLIENT_SECRET: client.clientSecret,
    OIDC_SECRET: newSecret(),
    ...(options.redis ? { REDIS_URL: redis.url } : {}),
  }
}

describe.concurrent('examples with REDIS_URL', () => {
  it.for(examples)(
    '%s: a session survives a restart of the example process',
    async (name, { expect, onTestFinished }) => {
      const env = environment(name, { redis: true })
      const first = await startExample(name, env)
      onTestFinished(() => first.stop())
      expect(first.output()).toContain('sessions in Redis')
      const { cookie } = await signIn(first.url, 'alice')
      expect((await get(`${first.url}/me`, cookie)).status).toBe(200)
      await first.stop()

      const second = await startExample(name, env)
      onTestFinished(() => second.stop())
      const me = await get(`${second.url}/me`, cookie)
      expect(me.status, me.body).toBe(200)
      expect(JSON.parse(me.body)).toMatchObject({ sub: 'alice', groups: ['admins', 'developers'] })
      expect(JSON.parse((await get(`${second.url}/admin`, cookie)).body)).toEqual({ ok: true })
    },
  )

  it('control: without REDIS_URL (memory store) the session does not survive the restart', async ({
    expect,
    onTestFinished,
  }) => {
    const env = environment('express', { redis: false })
    const first = await startExample('express', env)
    onTestFinished(() => first.stop())
    expect(first.output()).not.toContain('sessions in Redis')
    const { cookie } = await signIn(first.url, 'alice')
    expect((await get(`${first.url}/me`, cookie)).status).toBe(200)
    await first.stop()

    const second = await startExample('express', env)
    onTestFinished(() => second.stop())
    expect((await get(`${second.url}/me`, cookie)).status).toBe(401)
  })
})
