/**
 * Sessions, refresh and login transactions through `rp.handle()` with a provider in the same
 * process and vitest's clock: what the socket suites prove with real multi-second token
 * lifetimes (test/refresh, test/contract), here in milliseconds. The clock moves only when a
 * test moves it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MemoryStore } from '../src/index.js'
import { InProcessBrowser, inProcessProvider, inProcessRp, type InProcessProvider } from './support/in-process.js'

let provider: InProcessProvider
const start = new Date('2026-01-01T00:00:00Z')

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(start)
  provider = await inProcessProvider()
})
afterEach(() => {
  vi.useRealTimers()
})

/** Moves the clock `seconds` ahead. */
const later = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000)

/** The user a request to a public path sees, or undefined when signed out. */
async function user(browser: InProcessBrowser): Promise<Record<string, unknown> | undefined> {
  const { context } = await browser.request('GET', '/')
  return context?.isAuthenticated() ? context.user : undefined
}

describe.each([
  ['memory store', {}],
  ['stateless sessions', { session: { stateless: true } }],
] as const)('%s, in process', (_name, options) => {
  it('signs in: a new session with the ID token claims, then 302 to returnTo', async () => {
    const browser = new InProcessBrowser(inProcessRp(provider, options))
    const callback = await browser.signIn(provider)
    expect(callback.response?.status).toBe(302)
    expect(await user(browser)).toMatchObject({ sub: 'alice', groups: ['admins'] })
    expect(provider.calls.authorization_code).toBe(1)
  })

  it('refreshes expired tokens once, however many requests arrive at once, then not again within their lifetime', async () => {
    const browser = new InProcessBrowser(inProcessRp(provider, options))
    await browser.signIn(provider)
    later(provider.ttl + 1)
    const answers = await Promise.all(Array.from({ length: 20 }, () => user(browser)))
    expect(answers.every((answer) => answer?.['sub'] === 'alice')).toBe(true)
    expect(provider.calls.refresh_token).toBe(1)
    // Not due again until a minute (the leeway) before the new tokens expire.
    for (let i = 0; i < 10; i += 1) {
      later((provider.ttl - 60) / 10 - 1)
      expect((await user(browser))?.['sub']).toBe('alice')
    }
    expect(provider.calls.refresh_token).toBe(1)
    // Then due while still valid: served at once, refreshed once more in the background.
    later(15)
    expect((await user(browser))?.['sub']).toBe('alice')
    await vi.waitFor(() => expect(provider.calls.refresh_token).toBe(2))
  })

  it('follows the access token when refreshes bring no ID token: one refresh per lifetime', async () => {
    provider.idTokenOnRefresh = false
    const browser = new InProcessBrowser(inProcessRp(provider, options))
    await browser.signIn(provider)
    for (let lifetime = 1; lifetime <= 3; lifetime += 1) {
      later(provider.ttl + 1)
      expect((await user(browser))?.['sub']).toBe('alice')
      expect(provider.calls.refresh_token).toBe(lifetime)
      expect((await user(browser))?.['sub']).toBe('alice')
      expect(provider.calls.refresh_token).toBe(lifetime)
    }
  })

  it('ends a session idle for longer than idleTimeout, and keeps one used within it', async () => {
    const browser = new InProcessBrowser(
      inProcessRp(provider, {
        ...options,
        session: { ...('session' in options ? options.session : {}), idleTimeout: 600 },
      }),
    )
    await browser.signIn(provider)
    later(500)
    expect(await user(browser)).toBeDefined()
    later(500)
    expect(await user(browser)).toBeDefined()
    later(601)
    expect(await user(browser)).toBeUndefined()
  })
})

describe('login transactions, in process', () => {
  it('work once: a replayed callback is refused and the session it made stays the only one', async () => {
    const store = new MemoryStore()
    const rp = inProcessRp(provider, { session: { store } })
    const browser = new InProcessBrowser(rp)
    const login = await browser.request('GET', '/login')
    const back = new URL(provider.authorize(String(login.response?.headers['location'])))
    const cookies = new Map(browser.cookies)
    expect((await browser.request('GET', back.pathname + back.search)).response?.status).toBe(302)
    const replay = new InProcessBrowser(rp)
    for (const [name, value] of cookies) replay.cookies.set(name, value)
    await expect(replay.request('GET', back.pathname + back.search)).rejects.toMatchObject({ code: 'invalid_callback' })
  })

  it('expire: a callback more than 10 minutes after its login is refused (login_expired)', async () => {
    const browser = new InProcessBrowser(inProcessRp(provider))
    const login = await browser.request('GET', '/login')
    const back = new URL(provider.authorize(String(login.response?.headers['location'])))
    later(11 * 60)
    await expect(browser.request('GET', back.pathname + back.search)).rejects.toMatchObject({ code: 'login_expired' })
    expect(provider.calls.authorization_code).toBe(0)
  })
})
