import { expect } from 'vitest'
import { resolveConfig } from '../../src/config/resolve.js'
import { OidcError } from '../../src/index.js'

/** Options that pass every check: a confidential client of an https app. */
export const valid = {
  issuer: 'https://id.example.com',
  clientId: 'app',
  clientSecret: 'shh',
  baseURL: 'https://app.example.com',
  secret: 'x'.repeat(32),
}

/** The message of the `invalid_options` error that refuses `options`; fails the test if they are accepted. */
export function problemsOf(options: object, env: Record<string, string> = {}): string {
  try {
    resolveConfig(options, env)
  } catch (err) {
    expect(err).toBeInstanceOf(OidcError)
    expect((err as OidcError).code).toBe('invalid_options')
    return (err as Error).message
  }
  throw new Error('expected the configuration to be refused')
}
