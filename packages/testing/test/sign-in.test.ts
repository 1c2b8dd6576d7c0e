import { createServer } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OidcError } from '@oidc-rp/core'
import { SignInError, signIn, startDevProvider } from '../src/index.js'
import type { DevProvider } from '../src/index.js'
import { close, listen, startThrowawayRp } from './helpers.js'
import type { ThrowawayRp } from './helpers.js'

let provider: DevProvider
let rp: ThrowawayRp

beforeAll(async () => {
  provider = await startDevProvider()
  rp = await startThrowawayRp(provider)
})

afterAll(async () => {
  await rp.close()
  await provider.close()
})

describe('signIn', () => {
  it('signs a user in and returns the app cookies and its redirect', async () => {
    const { cookie, location } = await signIn(rp.url, 'bob', { returnTo: '/dashboard?tab=1' })
    expect(location).toBe('/dashboard?tab=1')
    expect(cookie).toMatch(/^sess=[0-9a-f]{32}$/)
    // The transaction cookie was deleted by the callback (Max-Age=0).
    expect(cookie).not.toMatch(/(^|; )tx=/)
    const me = await fetch(`${rp.url}/me`, { headers: { cookie } })
    expect(me.status).toBe(200)
    expect(await me.json()).toMatchObject({ sub: 'bob', groups: ['developers'], email: 'bob@example.com' })
  })

  it('gives each call its own browser', async () => {
    const alice = await signIn(rp.url, 'alice')
    const carol = await signIn(rp.url, 'carol')
    expect(alice.location).toBe('/')
    const who = async (cookie: string) =>
      ((await (await fetch(`${rp.url}/me`, { headers: { cookie } })).json()) as { sub: string }).sub
    expect(await who(alice.cookie)).toBe('alice')
    expect(await who(carol.cookie)).toBe('carol')
  })

  it('follows a response_mode=form_post callback', async () => {
    let base = ''
    const app = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', base)
      if (url.pathname === '/login') {
        // Sends the user to the provider the way rp.url does, but asks for form_post.
        const upstream = await fetch(`${rp.url}/login`, { redirect: 'manual' })
        const authorize = new URL(upstream.headers.get('location') ?? '')
        authorize.searchParams.set('response_mode', 'form_post')
        authorize.searchParams.set('redirect_uri', `${base}/callback`)
        res.setHeader('set-cookie', 'seen=1; Path=/')
        res.writeHead(302, { location: authorize.href }).end()
        return
      }
      if (url.pathname === '/callback' && req.method === 'POST') {
        let body = ''
        for await (const chunk of req) body += String(chunk)
        const form = new URLSearchParams(body)
        res.setHeader('set-cookie', `posted=${form.get('code') ? 'code' : 'none'}; Path=/`)
        res.writeHead(303, { location: `/done?iss=${encodeURIComponent(form.get('iss') ?? '')}` }).end()
        return
      }
      res.writeHead(404).end()
    })
    const port = await listen(app)
    base = `http://127.0.0.1:${port}`
    try {
      const result = await signIn(base, 'alice')
      expect(result.location).toBe(`/done?iss=${encodeURIComponent(provider.issuer)}`)
      expect(result.cookie).toContain('posted=code')
      expect(result.cookie).toContain('seen=1')
    } finally {
      await close(app)
    }
  })

  it('throws a SignInError naming the step when the user is unknown', async () => {
    const error = await signIn(rp.url, 'mallory').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SignInError)
    expect(error).toMatchObject({ step: 'provider login', status: 400 })
    expect(String((error as Error).message)).toContain('There is no user "mallory"')
  })

  it('throws when the app login route does not redirect', async () => {
    const error = await signIn(rp.url, 'alice', { loginPath: '/nope' }).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'SignInError', step: 'app login route', status: 404 })
  })

  it('throws when the provider is down', async () => {
    provider.setDown(true)
    try {
      const error = await signIn(rp.url, 'alice').catch((e: unknown) => e)
      expect(error).toMatchObject({ step: 'provider', status: 503 })
    } finally {
      provider.setDown(false)
    }
  })

  it('throws when the app cannot be reached', async () => {
    await expect(signIn('http://127.0.0.1:9', 'alice')).rejects.toMatchObject({
      step: 'app login route',
      status: undefined,
    })
    await expect(signIn('not a url', 'alice')).rejects.toThrow(OidcError)
    await expect(signIn('not a url', 'alice')).rejects.toMatchObject({
      code: 'invalid_options',
      message: 'signIn: appUrl must be an absolute http(s) URL, got "not a url"',
    })
    await expect(signIn('http://127.0.0.1:9', '')).rejects.toMatchObject({
      name: 'OidcError',
      code: 'invalid_options',
      message: 'signIn: userId must be a non-empty string',
    })
  })
})
