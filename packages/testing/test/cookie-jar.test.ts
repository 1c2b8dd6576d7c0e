import { describe, expect, it, vi } from 'vitest'
import { CookieJar, parseSetCookie } from '../src/cookie-jar.js'

function respond(...cookies: string[]): Response {
  const headers = new Headers()
  for (const cookie of cookies) headers.append('set-cookie', cookie)
  return new Response(null, { headers })
}

describe('CookieJar', () => {
  it('keys cookies by host name, ignoring the port', () => {
    const jar = new CookieJar()
    jar.store(new URL('http://127.0.0.1:3000/login'), respond('a=1; Path=/'))
    expect(jar.header(new URL('http://127.0.0.1:4000/'))).toBe('a=1')
    expect(jar.header(new URL('http://localhost:3000/'))).toBe('')
  })

  it('honours Max-Age=0, past Expires and replacement', () => {
    const jar = new CookieJar()
    const url = new URL('http://127.0.0.1:3000/')
    jar.store(url, respond('a=1; Path=/', 'b=2; Path=/', 'c=3; Path=/; Max-Age=60'))
    jar.store(url, respond('a=; Path=/; Max-Age=0', 'b=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT', 'c=4; Path=/'))
    expect(jar.header(url)).toBe('c=4')
  })

  it('matches paths by prefix, longest first, with the RFC 6265 default path', () => {
    const jar = new CookieJar()
    jar.store(new URL('http://h/auth/x/y'), respond('d=1', 'r=2; Path=/', 's=3; Path=/auth/x'))
    expect(jar.header(new URL('http://h/auth/x/z'))).toBe('d=1; s=3; r=2')
    expect(jar.header(new URL('http://h/auth/xy'))).toBe('r=2')
    expect(jar.header(new URL('http://h/'))).toBe('r=2')
  })

  it('can keep only the cookies one origin set', () => {
    const jar = new CookieJar()
    jar.store(new URL('http://127.0.0.1:3000/'), respond('app=1; Path=/'))
    jar.store(new URL('http://127.0.0.1:4000/'), respond('op=2; Path=/'))
    expect(jar.header(new URL('http://127.0.0.1:3000/'))).toBe('app=1; op=2')
    expect(jar.header(new URL('http://127.0.0.1:3000/'), 'http://127.0.0.1:3000')).toBe('app=1')
  })

  it('takes the Set-Cookie headers themselves, as a node:http client has them', () => {
    const jar = new CookieJar()
    const url = new URL('http://127.0.0.1:3000/')
    jar.store(url, ['a=1; Path=/', 'b=2; Path=/'])
    jar.store(url, ['a=; Path=/; Max-Age=0'])
    expect(jar.header(url)).toBe('b=2')
  })

  it('clones into an independent jar', () => {
    const jar = new CookieJar()
    const url = new URL('http://127.0.0.1:3000/')
    jar.store(url, ['a=1; Path=/'])
    const copy = jar.clone()
    jar.store(url, ['a=2; Path=/', 'b=3; Path=/'])
    expect(copy.header(url)).toBe('a=1')
    expect(jar.header(url)).toBe('a=2; b=3')
  })

  it('drops a cookie past its Max-Age, or keeps sending it with keepExpired (a deletion still deletes)', () => {
    const url = new URL('http://127.0.0.1:3000/')
    const browser = new CookieJar()
    const attacker = new CookieJar({ keepExpired: true })
    const now = Date.now()
    try {
      for (const jar of [browser, attacker]) jar.store(url, ['a=1; Path=/; Max-Age=1', 'b=2; Path=/'])
      vi.spyOn(Date, 'now').mockReturnValue(now + 2000)
      expect(browser.header(url)).toBe('b=2')
      expect(attacker.header(url)).toBe('a=1; b=2')
      expect(attacker.clone().header(url)).toBe('a=1; b=2')
      attacker.store(url, ['a=; Path=/; Max-Age=0'])
      expect(attacker.header(url)).toBe('b=2')
    } finally {
      vi.restoreAllMocks()
    }
  })

  it('parses one Set-Cookie header: Max-Age wins over Expires, the default path, deletion', () => {
    const url = new URL('http://h/auth/x')
    const past = 'Thu, 01 Jan 1970 00:00:00 GMT'
    expect(parseSetCookie('a=1', url)).toEqual({
      name: 'a',
      value: '1',
      path: '/auth',
      expiresAt: undefined,
      deleted: false,
    })
    expect(parseSetCookie(`a=1; Max-Age=60; Expires=${past}`, url)).toMatchObject({ deleted: false })
    expect(parseSetCookie(`a=; Path=/; Expires=${past}`, url)).toMatchObject({ path: '/', expiresAt: 0, deleted: true })
    expect(parseSetCookie('no-equals-sign', url)).toBeUndefined()
  })
})
