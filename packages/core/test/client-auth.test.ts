import { generateKeyPairSync } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { clientCredentials, type ClientCredentials } from '../src/config/client-credentials.js'
import { chooseMethod, formEncode } from '../src/protocol/client-auth.js'
import { resolveConfig } from '../src/config/resolve.js'
import { OidcError } from '../src/index.js'

const valid = {
  issuer: 'https://id.example.com',
  clientId: 'app',
  baseURL: 'https://app.example.com',
  secret: 'x'.repeat(32),
}

function problemsOf(options: object, env: Record<string, string> = {}): string {
  try {
    resolveConfig({ ...valid, ...options }, env)
  } catch (err) {
    expect(err).toBeInstanceOf(OidcError)
    return (err as Error).message
  }
  throw new Error('expected the configuration to be refused')
}

const credentials = (options: Partial<{ method: unknown; privateKey: unknown; secret: string }>): ClientCredentials => {
  const problems: string[] = []
  const result = clientCredentials(
    { method: options.method, privateKey: options.privateKey, secret: options.secret },
    (m) => problems.push(m),
  )
  expect(problems).toEqual([])
  return result
}

const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
  type: 'pkcs8',
  format: 'pem',
}) as string

describe('Basic credentials encoding', () => {
  it('leaves unreserved characters alone', () => {
    expect(formEncode('oidc-rp_app.v2~eu')).toBe('oidc-rp_app.v2~eu')
    fc.assert(fc.property(fc.stringMatching(/^[A-Za-z0-9._~-]*$/), (value) => formEncode(value) === value))
  })

  it('encodes everything else, reversibly', () => {
    expect(formEncode("a:b +/!*'()é")).toBe('a%3Ab%20%2B%2F%21%2A%27%28%29%C3%A9')
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (value) => {
        const encoded = formEncode(value)
        return /^(?:[A-Za-z0-9._~-]|%[0-9A-F]{2})*$/.test(encoded) && decodeURIComponent(encoded) === value
      }),
    )
  })
})

describe('choosing the client authentication method', () => {
  const secret = credentials({ secret: 's' })
  it.each([
    ['Basic when listed', secret, ['client_secret_post', 'client_secret_basic'], 'client_secret_basic'],
    ['Basic when nothing is listed (the default)', secret, undefined, 'client_secret_basic'],
    ['the body when only that is listed', secret, ['client_secret_post'], 'client_secret_post'],
    [
      'a secret-signed assertion when only that is listed',
      secret,
      ['client_secret_jwt', 'private_key_jwt'],
      'client_secret_jwt',
    ],
    [
      'private_key_jwt for a key',
      credentials({ privateKey: pem }),
      ['client_secret_basic', 'private_key_jwt'],
      'private_key_jwt',
    ],
    ['none for a public client, listed or not', credentials({}), ['client_secret_basic'], 'none'],
    [
      'the body when the provider lists no secret method (oauth2-mock-server lists only none)',
      secret,
      ['none'],
      'client_secret_post',
    ],
    [
      'private_key_jwt for a key, whatever is listed',
      credentials({ privateKey: pem }),
      ['client_secret_basic'],
      'private_key_jwt',
    ],
    [
      'the configured method when listed',
      credentials({ method: 'client_secret_post', secret: 's' }),
      ['client_secret_basic', 'client_secret_post'],
      'client_secret_post',
    ],
  ] as const)('%s', (_name, given, supported, expected) => {
    expect(chooseMethod(given, supported)).toEqual({ method: expected })
  })

  it('refuses a configured method the provider does not list, naming both', () => {
    const chosen = chooseMethod(credentials({ method: 'client_secret_jwt', secret: 's' }), [
      'client_secret_basic',
      'private_key_jwt',
    ])
    expect('problem' in chosen && chosen.problem).toMatch(
      /\(client_secret_basic, private_key_jwt\).*\(client_secret_jwt\)/,
    )
  })
})

describe('client authentication options', () => {
  it('takes the method and the key from the environment', () => {
    const config = resolveConfig(valid, { OIDC_CLIENT_AUTH_METHOD: 'private_key_jwt', OIDC_CLIENT_PRIVATE_KEY: pem })
    expect(config.clientAuth.method).toBe('private_key_jwt')
    expect(config.clientAuth.privateKey?.alg).toBe('RS256')
  })

  it('reads the alg and kid of a JWK', () => {
    const jwk = {
      ...generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'jwk' }),
      kid: 'k1',
    }
    expect(credentials({ privateKey: JSON.stringify(jwk) }).privateKey).toMatchObject({ alg: 'ES384', kid: 'k1' })
    expect(credentials({ privateKey: { ...jwk, alg: 'ES384' } }).privateKey?.alg).toBe('ES384')
  })

  it.each([
    [
      'an unknown method',
      { clientAuthMethod: 'client_secret_magic' },
      'clientAuthMethod (OIDC_CLIENT_AUTH_METHOD): must be one of',
    ],
    ['a secret method without a secret', { clientAuthMethod: 'client_secret_basic' }, 'needs clientSecret'],
    ['private_key_jwt without a key', { clientAuthMethod: 'private_key_jwt' }, 'needs clientPrivateKey'],
    ['none with a secret', { clientAuthMethod: 'none', clientSecret: 's' }, 'public client'],
    [
      'a key with a secret method',
      { clientAuthMethod: 'client_secret_post', clientSecret: 's', clientPrivateKey: pem },
      'used only with private_key_jwt',
    ],
  ])('refuses %s', (_name, options, message) => {
    expect(problemsOf(options)).toContain(message)
  })

  it('refuses a key that does not parse without repeating it', () => {
    const lines = pem.split('\n')
    const broken = [...lines.slice(0, 2), 'AAAA', ...lines.slice(3)].join('\n')
    const message = problemsOf({ clientPrivateKey: broken })
    expect(message).toContain('clientPrivateKey (OIDC_CLIENT_PRIVATE_KEY): must be a private key')
    expect(message).not.toContain(lines[1])
    expect(problemsOf({ clientPrivateKey: '{"kty":"RSA","n":"secret-ish"' })).not.toContain('secret-ish')
  })

  it('refuses a JWK whose alg does not fit its key, when it starts rather than at the first sign-in', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' })
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })
    const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })
    for (const [jwk, alg] of [
      [rsa, 'ES256'],
      [rsa, 'HS256'],
      [rsa, 'none'],
      [p256, 'ES384'],
      [p256, 'RS256'],
      [ed, 'ES256'],
      [rsa, 42],
    ] as const) {
      expect(problemsOf({ clientPrivateKey: JSON.stringify({ ...jwk, alg }) })).toContain(
        `clientPrivateKey (OIDC_CLIENT_PRIVATE_KEY): its "alg" ${JSON.stringify(alg)} does not fit`,
      )
    }
    for (const [jwk, alg] of [
      [rsa, 'RS512'],
      [rsa, 'PS256'],
      [p256, 'ES256'],
      [ed, 'EdDSA'],
    ] as const)
      expect(credentials({ privateKey: { ...jwk, alg } }).privateKey?.alg).toBe(alg)
  })

  it('refuses a public key', () => {
    const publicJwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' })
    expect(problemsOf({ clientPrivateKey: JSON.stringify(publicJwk) })).toContain('must be a private key')
  })
})
