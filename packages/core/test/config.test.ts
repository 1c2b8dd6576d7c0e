import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../src/config/resolve.js'
import { problemsOf, valid } from './support/options.js'

describe('configuration', () => {
  it('reports every missing option in one error, naming each option and its variable', () => {
    const message = problemsOf({})
    for (const [option, variable] of [
      ['issuer', 'OIDC_ISSUER'],
      ['clientId', 'OIDC_CLIENT_ID'],
      ['baseURL', 'OIDC_BASE_URL'],
      ['secret', 'OIDC_SECRET'],
    ]) {
      expect(message).toContain(`${option} (${variable})`)
    }
  })

  it('reads everything from the environment', () => {
    const config = resolveConfig(undefined, {
      OIDC_ISSUER: 'https://id.example.com',
      OIDC_CLIENT_ID: 'app',
      OIDC_CLIENT_SECRET: 's',
      OIDC_BASE_URL: 'https://app.example.com/',
      OIDC_SECRET: `${'a'.repeat(32)}, ${'b'.repeat(40)}`,
      OIDC_SCOPE: 'openid groups',
      OIDC_GROUPS_CLAIM: 'realm_access.roles',
    })
    expect(config.secrets).toEqual(['a'.repeat(32), 'b'.repeat(40)])
    expect(config.redirectUri).toBe('https://app.example.com/callback')
    expect(config.scope).toBe('openid groups')
    expect(config.groupsClaim).toBe('realm_access.roles')
    expect(config.secure).toBe(true)
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('lets options win over the environment and never modifies them', () => {
    const options = Object.freeze({ ...valid, session: Object.freeze({ idleTimeout: 60 }) })
    const config = resolveConfig(options, { OIDC_ISSUER: 'https://other.example.com' })
    expect(config.issuer.href).toBe('https://id.example.com/')
    expect(config.idleTimeout).toBe(60)
  })

  it('refuses short secrets, a scope without openid and unknown options', () => {
    const message = problemsOf({ ...valid, secret: ['y'.repeat(32), 'short'], scope: 'profile', issuerBaseURL: 'x' })
    expect(message).toContain('secret (OIDC_SECRET): each secret must be at least 32 characters')
    expect(message).toContain('scope (OIDC_SCOPE): must include "openid"')
    expect(message).toContain('issuerBaseURL: is not an option')
  })

  it('allows http issuers on loopback only, unless opted in', () => {
    expect(resolveConfig({ ...valid, issuer: 'http://127.0.0.1:9000' }, {}).issuer.host).toBe('127.0.0.1:9000')
    expect(resolveConfig({ ...valid, issuer: 'http://localhost:9000' }, {}).issuer.host).toBe('localhost:9000')
    expect(problemsOf({ ...valid, issuer: 'http://id.example.com' })).toContain('issuer (OIDC_ISSUER): must use https')
    expect(
      resolveConfig({ ...valid, issuer: 'http://id.internal' }, { OIDC_ALLOW_INSECURE_ISSUER: 'true' }).issuer.protocol,
    ).toBe('http:')
  })

  it('refuses authorization parameters that would undo the checks', () => {
    expect(problemsOf({ ...valid, authorizationParams: { state: 'fixed', prompt: 'login' } })).toContain(
      'authorizationParams.state',
    )
  })

  it('refuses response_mode=form_post on an http baseURL, saying why', () => {
    expect(
      problemsOf({ ...valid, baseURL: 'http://127.0.0.1:3000', authorizationParams: { response_mode: 'form_post' } }),
    ).toContain('form_post needs an https baseURL')
    expect(
      resolveConfig({ ...valid, authorizationParams: { response_mode: 'form_post' } }, {}).authorizationParams
        .response_mode,
    ).toBe('form_post')
  })

  it('keeps bearer tokens off unless asked for, and refuses an audience for bearer tokens that are off', () => {
    expect(resolveConfig(valid, {}).bearer.enabled).toBe(false)
    expect(resolveConfig(valid, { OIDC_BEARER: 'true' }).bearer.enabled).toBe(true)
    expect(resolveConfig({ ...valid, bearer: true }, {}).bearer.enabled).toBe(true)
    expect(resolveConfig({ ...valid, bearer: { audience: 'https://api.example' } }, {}).bearer.audiences).toEqual([
      'https://api.example',
    ])
    expect(problemsOf(valid, { OIDC_BEARER_AUDIENCE: 'https://api.example' })).toContain(
      'bearer (OIDC_BEARER): bearer tokens are off',
    )
  })

  it('refuses bad timeouts and route paths', () => {
    const message = problemsOf({
      ...valid,
      clockTolerance: -1,
      routes: { login: 'login' },
      session: { idleTimeout: 'soon' },
    })
    expect(message).toContain('clockTolerance (OIDC_CLOCK_TOLERANCE)')
    expect(message).toContain('routes.login')
    expect(message).toContain('session.idleTimeout')
  })
})

describe('authorization parameters', () => {
  it('come from OIDC_AUTHORIZATION_PARAMS as a query string', () => {
    const config = resolveConfig(valid, { OIDC_AUTHORIZATION_PARAMS: 'access_type=offline&prompt=consent&max_age=300' })
    expect(config.authorizationParams).toEqual({ access_type: 'offline', prompt: 'consent', max_age: '300' })
  })

  it('take numbers, booleans and objects, and refuse what cannot be sent', () => {
    const config = resolveConfig({
      ...valid,
      authorizationParams: { max_age: 60, claims: { userinfo: { email: null } }, foo: true },
    })
    expect(config.authorizationParams).toEqual({ max_age: '60', claims: '{"userinfo":{"email":null}}', foo: 'true' })
    expect(problemsOf({ ...valid, authorizationParams: { max_age: Number.NaN } })).toContain(
      'authorizationParams.max_age',
    )
    expect(problemsOf({ ...valid, authorizationParams: { state: 'x' } })).toContain('cannot be overridden')
    expect(problemsOf({ ...valid }, { OIDC_AUTHORIZATION_PARAMS: 'nonce=1' })).toContain(
      'authorizationParams.nonce (OIDC_AUTHORIZATION_PARAMS)',
    )
    expect(problemsOf({ ...valid, authorizationParams: { max_age: 1.5 } })).toContain('whole number')
  })
})

describe('provider logout', () => {
  it('takes a logout URL template and idpLogout from the environment', () => {
    const template = 'https://tenant.auth0.com/v2/logout?client_id={client_id}&returnTo={post_logout_redirect_uri}'
    expect(resolveConfig(valid, { OIDC_LOGOUT_URL: template }).logoutUrl).toBe(template)
    expect(resolveConfig(valid, { OIDC_IDP_LOGOUT: 'false' }).idpLogout).toBe(false)
    expect(resolveConfig(valid).idpLogout).toBe(true)
  })

  it.each([
    ['javascript:alert(1)', 'must be an https URL'],
    ['http://auth.example.com/logout', 'must be an https URL'],
    ['/logout', 'must be an absolute URL'],
    ['https://auth.example.com/logout?to={return_to}', 'has unknown placeholders {return_to}'],
  ])('refuses the logout URL %s', (url, message) => {
    expect(problemsOf({ ...valid, logoutUrl: url })).toContain(`logoutUrl (OIDC_LOGOUT_URL): ${message}`)
  })

  it('refuses a logout URL with idpLogout false', () => {
    expect(problemsOf({ ...valid, logoutUrl: 'https://a.example/logout', idpLogout: false })).toContain('choose one')
  })
})

describe('JWT access tokens', () => {
  it('need an audience', () => {
    expect(problemsOf({ ...valid, bearer: { jwtAccessTokens: true } })).toContain(
      'bearer.jwtAccessTokens (OIDC_BEARER_JWT_ACCESS_TOKENS): needs the audiences',
    )
    const config = resolveConfig(valid, {
      OIDC_BEARER: 'true',
      OIDC_BEARER_AUDIENCE: 'api',
      OIDC_BEARER_JWT_ACCESS_TOKENS: 'true',
    })
    expect(config.bearer).toMatchObject({ enabled: true, audiences: ['api'], jwtAccessTokens: true })
  })
})

describe('session store option', () => {
  const store = {
    get: async () => undefined,
    set: async () => undefined,
    destroy: async () => undefined,
    consumeOnce: async () => true,
  }

  it('takes a store with every method it needs', () => {
    expect(resolveConfig({ ...valid, session: { store } }).store).toBe(store)
  })

  it('refuses, at start-up, a store without consumeOnce (which the first callback needs)', () => {
    const { consumeOnce: _, ...withoutConsumeOnce } = store
    const message = problemsOf({ ...valid, session: { store: withoutConsumeOnce } })
    expect(message).toContain('session.store')
    expect(message).toContain('consumeOnce')
  })

  it.each(['get', 'set', 'destroy', 'consumeOnce'])('refuses, at start-up, a store without %s', (method) => {
    const without = Object.fromEntries(Object.entries(store).filter(([name]) => name !== method))
    expect(problemsOf({ ...valid, session: { store: without } })).toContain(
      `session.store: must be a SessionStore (get, set, destroy, consumeOnce): it has no ${method}`,
    )
  })

  it('refuses a store that is not an object, and names every missing method at once', () => {
    expect(problemsOf({ ...valid, session: { store: 'redis' } })).toContain('session.store: must be a SessionStore')
    expect(problemsOf({ ...valid, session: { store: { get: store.get } } })).toContain(
      'it has no set, destroy, consumeOnce',
    )
  })

  it('refuses an optional method that is not a function', () => {
    expect(problemsOf({ ...valid, session: { store: { ...store, lock: 'yes' } } })).toMatch(
      /session\.store.*lock must be methods/,
    )
  })
})
