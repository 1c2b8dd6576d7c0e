import { OidcError } from '@oidc-rp/core'
import { checkClients, copyClient, defaultClient } from './clients.js'
import type { DevClient, DevProviderOptions, DevUser } from './types.js'
import { defaultUsers } from './users.js'

const DAY = 24 * 60 * 60

/** The dev provider's options, checked, with their defaults. */
export interface Settings {
  port: number
  host: string
  users: DevUser[]
  clients: DevClient[]
  ttl: { accessToken: number; idToken: number; refreshToken: number; session: number }
  rotateRefreshTokens: boolean
}

export function checkOptions(options: DevProviderOptions): Settings {
  const port = options.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new OidcError(
      'invalid_options',
      '@oidc-rp/testing: options.port must be an integer from 0 to 65535 (0 picks a free port)',
    )
  }
  const host = options.host ?? '127.0.0.1'
  if (typeof host !== 'string' || host === '')
    throw new OidcError('invalid_options', '@oidc-rp/testing: options.host must be a host name or IP address')
  const ttl = {
    accessToken: seconds('ttl.accessToken', options.ttl?.accessToken, 3600),
    idToken: seconds('ttl.idToken', options.ttl?.idToken, 3600),
    refreshToken: seconds('ttl.refreshToken', options.ttl?.refreshToken, 14 * DAY),
    session: seconds('ttl.session', options.ttl?.session, 14 * DAY),
  }
  const clients = (options.clients ?? [defaultClient]).map(copyClient)
  checkClients(clients)
  return {
    port,
    host,
    users: [...(options.users ?? defaultUsers)],
    clients,
    ttl,
    rotateRefreshTokens: options.rotateRefreshTokens ?? true,
  }
}

function seconds(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new OidcError(
      'invalid_options',
      `@oidc-rp/testing: options.${name} must be a positive whole number of seconds`,
    )
  }
  return value
}
