import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../src/config/resolve.js'
import { emit, tracer } from '../src/events.js'
import { OidcError, SignInRefused } from '../src/errors.js'
import { errorResponse } from '../src/error-response.js'
import { HookTokens, keptClaims, refuse } from '../src/hooks.js'

const verified = {
  iss: 'https://idp.example',
  sub: 'alice',
  aud: 'app',
  exp: 2,
  iat: 1,
  sid: 's1',
  email: 'alice@example.com',
  groups: ['admins'],
}
const required = {
  issuer: 'https://idp.example',
  clientId: 'app',
  baseURL: 'https://app.example',
  secret: 'x'.repeat(32),
}

describe('keptClaims', () => {
  it('keeps what the hook returns, protocol claims restored from the verified token', () => {
    const { claims, changed } = keptClaims('onSignIn', verified, { sub: 'mallory', iss: 'evil', roles: ['owner'] })
    expect(claims).toEqual({
      iss: 'https://idp.example',
      sub: 'alice',
      aud: 'app',
      exp: 2,
      iat: 1,
      sid: 's1',
      roles: ['owner'],
    })
    expect(changed).toEqual(['iss', 'sub'])
  })

  it('keeps the claims when the hook returns nothing, and throws its refusal', () => {
    expect(keptClaims('onSignIn', verified, undefined).claims).toBe(verified)
    expect(() => keptClaims('onSignIn', verified, refuse('no', 'No.'))).toThrow(SignInRefused)
  })

  it('stores plain JSON and never a prototype key', () => {
    const result = JSON.parse('{"sub":"alice","__proto__":{"admin":true},"at":1}') as Record<string, unknown>
    const { claims } = keptClaims('onSignIn', verified, { ...result, when: new Date(0), fn: () => 1 })
    expect(Object.getPrototypeOf(claims)).toBe(Object.prototype)
    expect(claims).not.toHaveProperty('fn')
    expect(claims.when).toBe('1970-01-01T00:00:00.000Z')
    expect(Object.hasOwn(claims, '__proto__')).toBe(false)
  })

  it.each([
    ['a string', 'alice'],
    ['an array', ['alice']],
    ['a number', 42],
    ['a BigInt', { n: 1n }],
  ])('refuses %s as an answer', (_label, answer: unknown) => {
    expect(() => keptClaims('onRefresh', verified, answer)).toThrow(/onRefresh/)
  })
})

describe('refuse', () => {
  it('makes a 403 with the reason and the message', () => {
    const refusal = refuse('email_unverified', 'Verify your email.')
    expect(refusal).toBeInstanceOf(OidcError)
    expect(refusal).toMatchObject({ code: 'sign_in_refused', status: 403, reason: 'email_unverified' })
    const page = errorResponse(refusal, { method: 'GET', url: '/callback', headers: { accept: 'text/html' } })
    expect(page?.status).toBe(403)
    expect(page?.body).toContain('Verify your email.')
  })

  it('escapes the message on the page', () => {
    const page = errorResponse(refuse('x', '<img src=x onerror=alert(1)>'), {
      method: 'GET',
      url: '/callback',
      headers: { accept: 'text/html' },
    })
    expect(page?.body).not.toContain('<img')
  })

  it.each([
    ['', 'm'],
    ['has space', 'm'],
    ['ok', ''],
  ])('refuses reason %j and message %j', (reason, message) => {
    expect(() => refuse(reason, message)).toThrow(OidcError)
  })
})

describe('HookTokens', () => {
  it('gives the tokens, and prints none', () => {
    const tokens = new HookTokens({ accessToken: 'at-secret-value', idToken: 'eyJa.eyJb.c', refreshToken: 'rt-value' })
    expect(tokens.accessToken).toBe('at-secret-value')
    for (const printed of [inspect({ tokens }, { depth: 9, showHidden: true }), JSON.stringify({ tokens })]) {
      expect(printed).not.toContain('at-secret-value')
      expect(printed).not.toContain('rt-value')
      expect(printed).not.toContain('eyJa')
    }
  })
})

describe('events and trace', () => {
  it('logs a handler that throws or rejects, and goes on', async () => {
    const logged: string[] = []
    const observer = {
      onEvent: (e: { type: string }) => (e.type === 'signedIn' ? Promise.reject(new Error('later')) : undefined),
      warnOnFailure: (m: string) => logged.push(m),
      trace: undefined,
    }
    emit(observer, { type: 'signedIn', sub: 'alice' })
    emit(
      {
        ...observer,
        onEvent: () => {
          throw new Error('now')
        },
      },
      { type: 'signedOut', sub: 'alice' },
    )
    await new Promise((resolve) => setImmediate(resolve))
    expect(logged).toEqual(['onEvent(signedOut) failed: now', 'onEvent(signedIn) failed: later'])
  })

  it('redacts anything shaped like a JWT and the secrets from a trace line', () => {
    const lines: string[] = []
    const trace = tracer((m) => lines.push(m), ['client-secret-value', 'x'.repeat(32), undefined])
    trace(`token eyJhbGciOi.eyJzdWIi.sig secret client-secret-value cookie ${'x'.repeat(32)}`)
    expect(lines).toEqual(['debug: token [redacted] secret [redacted] cookie [redacted]'])
  })

  it('traces nothing unless asked', () => {
    expect(resolveConfig(required, {}).observer.trace).toBeUndefined()
    expect(resolveConfig(required, { OIDC_DEBUG: 'true' }).observer.trace).toBeTypeOf('function')
  })
})

describe('options', () => {
  it('reads OIDC_DEBUG and OIDC_ERROR_HANDLING, and names them when wrong', () => {
    expect(resolveConfig(required, { OIDC_ERROR_HANDLING: 'framework' }).errorHandling.mode).toBe('framework')
    expect(() => resolveConfig(required, { OIDC_DEBUG: 'maybe', OIDC_ERROR_HANDLING: 'loud' })).toThrow(
      /debug \(OIDC_DEBUG\): must be true or false[\s\S]*errorHandling \(OIDC_ERROR_HANDLING\): must be builtin or framework/,
    )
  })

  it.each(['onSignIn', 'onRefresh', 'onEvent', 'renderError'])('refuses a %s that is not a function', (name) => {
    expect(() => resolveConfig({ ...required, [name]: true }, {})).toThrow(new RegExp(`${name}: must be a function`))
  })
})
