/**
 * The other session modes against a real provider, for every adapter: stateless encrypted
 * cookies (no store), and an express-session store through the bridge.
 */
import { createHash, randomBytes } from 'node:crypto'
import session from 'express-session'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expressSessionStore } from '@oidc-rp/core'
import { defaultUsers, signIn, startDevProvider, type DevProvider } from '@oidc-rp/testing'
import { drivers, type AppOptions, type RunningApp } from './drivers.js'

// Names that hardly compress (as group ids do), so that the session needs two cookie chunks.
const manyGroups = Array.from(
  { length: 300 },
  (_, i) => `team-${createHash('sha256').update(String(i)).digest('hex').slice(0, 12)}`,
)

async function status(app: RunningApp, path: string, cookie: string): Promise<number> {
  return (await fetch(app.url + path, { headers: { cookie, accept: 'application/json' } })).status
}

describe.each(drivers)('$name: session modes against a real provider', (driver) => {
  let provider: DevProvider
  const apps: RunningApp[] = []

  beforeAll(async () => {
    provider = await startDevProvider({
      users: [
        ...defaultUsers,
        { id: 'gina', name: 'Gina Groups', email: 'gina@example.com', groups: ['admins', ...manyGroups] },
      ],
    })
  })
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()))
    await provider.close()
  })

  async function start(options: Partial<AppOptions>): Promise<RunningApp> {
    const client = provider.clients[0]
    const app = await driver.start({
      issuer: provider.issuer,
      clientId: client.clientId,
      clientSecret: client.clientSecret!,
      secret: randomBytes(32).toString('base64url'),
      authRequired: false,
      ...options,
    })
    apps.push(app)
    return app
  }

  describe('stateless encrypted cookies', () => {
    it('keeps a large session in chunks under 4 KB each, with nothing stored on the server', async () => {
      const app = await start({ session: { stateless: true } })
      const { cookie } = await signIn(app.url, 'gina')
      const chunks = cookie.split('; ').filter((c) => c.includes('oidc.session.'))
      expect(chunks.length, chunks.map((c) => c.length).join(', ')).toBeGreaterThan(1)
      for (const chunk of chunks) expect(chunk.length).toBeLessThan(3900)
      const me = await fetch(`${app.url}/me`, { headers: { cookie, accept: 'application/json' } })
      expect(me.status).toBe(200)
      expect(((await me.json()) as { groups: string[] }).groups).toHaveLength(301)
      expect(await status(app, '/admin', cookie)).toBe(200)
    })

    it('survives an app restart (same secret)', async () => {
      const secret = randomBytes(32).toString('base64url')
      const first = await start({ session: { stateless: true }, secret })
      const { cookie } = await signIn(first.url, 'alice')
      await first.close()
      apps.splice(apps.indexOf(first), 1)
      const second = await start({ session: { stateless: true }, secret })
      // Cookies are per host, not per port: the browser sends them to the restarted app too.
      expect(await status(second, '/me', cookie)).toBe(200)
    })

    it('refuses a session with a tampered chunk', async () => {
      const app = await start({ session: { stateless: true } })
      const { cookie } = await signIn(app.url, 'gina')
      const tampered = cookie.replace(
        /(oidc\.session\.1=)(.)/,
        (_m, name: string, c: string) => name + (c === 'A' ? 'B' : 'A'),
      )
      expect(tampered).not.toBe(cookie)
      expect(await status(app, '/me', tampered)).toBe(401)
    })

    it('refuses the old cookie in this process after logout', async () => {
      const app = await start({ session: { stateless: true } })
      const { cookie } = await signIn(app.url, 'alice')
      await fetch(`${app.url}/logout`, { headers: { cookie }, redirect: 'manual' })
      expect(await status(app, '/me', cookie)).toBe(401)
    })
  })

  describe('an express-session store through the bridge', () => {
    it("signs in, serves, and logs out with the sessions in express-session's store", async () => {
      const store = new session.MemoryStore()
      const app = await start({ session: { store: expressSessionStore(store) } })
      const { cookie } = await signIn(app.url, 'alice')
      expect(await status(app, '/admin', cookie)).toBe(200)
      const ids = await new Promise<string[]>((resolve, reject) =>
        store.all((err, all) => (err ? reject(err as Error) : resolve(Object.keys(all ?? {})))),
      )
      expect(ids.some((id) => id.startsWith('oidc-rp:') && !id.startsWith('oidc-rp:once:'))).toBe(true)
      await fetch(`${app.url}/logout`, { headers: { cookie }, redirect: 'manual' })
      expect(await status(app, '/me', cookie)).toBe(401)
    })

    it('finds sessions by sub and sid for back-channel logout (store.all)', async () => {
      const store = new session.MemoryStore()
      const bridged = expressSessionStore(store)
      const app = await start({ session: { store: bridged } })
      await signIn(app.url, 'alice')
      await signIn(app.url, 'alice')
      await signIn(app.url, 'bob')
      expect(await bridged.findBySub!('alice')).toHaveLength(2)
      const [id] = await bridged.findBySub!('bob')
      const bob = await bridged.get(id)
      expect(bob?.sid).toBeTruthy()
      expect(await bridged.findBySid!(bob!.sid!)).toEqual([id])
    })
  })
})
