import { describe, expect, it } from 'vitest'
import { stepUpOf, stepUpShortfall } from '../src/authz/step-up.js'
import { decodeAsked, encodeAsked } from '../src/protocol/transaction.js'
import { resolveConfig } from '../src/config/resolve.js'
import { CookieSigner, cookieName } from '../src/http/cookies.js'
import { problemsOf, valid } from './support/options.js'

describe('loginParams', () => {
  it('is empty by default and read from OIDC_LOGIN_PARAMS', () => {
    expect(resolveConfig(valid, {}).loginParams).toEqual([])
    expect(resolveConfig(valid, { OIDC_LOGIN_PARAMS: 'login_hint, prompt' }).loginParams).toEqual([
      'login_hint',
      'prompt',
    ])
  })

  it.each([
    'state',
    'nonce',
    'code_challenge',
    'code_challenge_method',
    'redirect_uri',
    'scope',
    'response_type',
    'client_id',
  ])('refuses %s, naming the option, the variable and the reason', (name) => {
    const message = problemsOf({ ...valid, loginParams: ['login_hint', name] })
    expect(message).toContain(`loginParams: cannot list "${name}"`)
    expect(problemsOf(valid, { OIDC_LOGIN_PARAMS: `prompt,${name}` })).toContain('loginParams (OIDC_LOGIN_PARAMS)')
  })
})

describe('routes and cookies', () => {
  it('turns login, logout and back-channel logout off, never the callback', () => {
    expect(resolveConfig({ ...valid, routes: { login: false, logout: false } }, {}).routesOff).toEqual([
      'login',
      'logout',
    ])
    expect(problemsOf({ ...valid, routes: { callback: false } })).toContain('routes.callback: cannot be turned off')
  })

  it('reads the cookie options from OIDC_COOKIE_* and checks them', () => {
    const config = resolveConfig(valid, {
      OIDC_COOKIE_PREFIX: 'shop.',
      OIDC_COOKIE_PATH: '/shop',
      OIDC_COOKIE_DOMAIN: 'example.com',
      OIDC_COOKIE_SAME_SITE: 'strict',
    })
    expect(config.cookies).toEqual({ prefix: 'shop.', path: '/shop', domain: 'example.com', sameSite: 'strict' })
    expect(problemsOf(valid, { OIDC_COOKIE_SAME_SITE: 'sometimes' })).toContain(
      'cookies.sameSite (OIDC_COOKIE_SAME_SITE)',
    )
    expect(problemsOf(valid, { OIDC_COOKIE_DOMAIN: 'evil.example' })).toContain('cookies.domain (OIDC_COOKIE_DOMAIN)')
    expect(problemsOf({ ...valid, baseURL: 'http://127.0.0.1:3000', cookies: { sameSite: 'none' } })).toContain(
      'needs an https baseURL',
    )
    expect(problemsOf({ ...valid, cookies: { prefix: 'a;b' } })).toContain('cookies.prefix')
    expect(problemsOf({ ...valid, cookies: { colour: 'red' } })).toContain('cookies.colour')
  })

  it('names cookies __Host- on https only with Path=/ and no Domain, __Secure- otherwise', () => {
    expect(cookieName('session', true, { prefix: 'oidc.', path: '/', domain: undefined })).toBe('__Host-oidc.session')
    expect(cookieName('session', true, { prefix: 'a.', path: '/a', domain: undefined })).toBe('__Secure-a.session')
    expect(cookieName('session', true, { prefix: 'a.', path: '/', domain: 'example.com' })).toBe('__Secure-a.session')
    expect(cookieName('session', false, { prefix: 'a.', path: '/a', domain: undefined })).toBe('a.session')
  })
})

describe('step-up', () => {
  it('checks guard options where the guard is made', () => {
    expect(() => stepUpOf('requiresAuth', { maxAge: -1 })).toThrow(/maxAge/)
    expect(() => stepUpOf('requiresAuth', { acr: [] })).toThrow(/acr/)
    expect(() => stepUpOf('requiresAuth', { maxAg: 5 } as object)).toThrow(/maxAg/)
    expect(stepUpOf('requiresAuth', {})).toBeUndefined()
    expect(stepUpOf('requiresAuth', { maxAge: 60, acr: 'mfa' })).toEqual({ maxAge: 60, acr: ['mfa'] })
  })

  it('finds a sign-in too old, of unknown age or too weak, with the clock tolerance the callback uses', () => {
    const stepUp = { maxAge: 60, acr: ['mfa'] }
    expect(stepUpShortfall({ authTime: 1000, acr: 'mfa' }, stepUp, 1074, 15)).toBeUndefined()
    expect(stepUpShortfall({ authTime: 1000, acr: 'mfa' }, stepUp, 1076, 15)).toMatch(/60 seconds/)
    expect(stepUpShortfall({ authTime: undefined, acr: 'mfa' }, stepUp, 1000, 15)).toMatch(/unknown/)
    expect(stepUpShortfall({ authTime: 1000, acr: 'pwd' }, stepUp, 1000, 15)).toMatch(/stronger/)
  })

  it('reads back only what it signed for a login, nothing a browser forged or another signed value', () => {
    const signer = new CookieSigner(['s'.repeat(32)])
    expect(decodeAsked(signer, encodeAsked(signer, { maxAge: 5, acr: ['mfa'] }))).toEqual({ maxAge: 5, acr: ['mfa'] })
    const forged = Buffer.from(JSON.stringify({ for: 'login', silent: true })).toString('base64url')
    expect(decodeAsked(signer, `${forged}.AAAA`)).toBeUndefined()
    const other = signer.sign(Buffer.from(JSON.stringify({ silent: true })).toString('base64url'))
    expect(decodeAsked(signer, other)).toBeUndefined()
  })
})
