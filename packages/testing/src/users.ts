import { OidcError } from '@oidc-rp/core'
import type { Account, AccountClaims } from 'oidc-provider'
import type { DevUser } from './types.js'

export const defaultUsers: DevUser[] = [
  { id: 'alice', name: 'Alice Admin', email: 'alice@example.com', groups: ['admins', 'developers'] },
  { id: 'bob', name: 'Bob Builder', email: 'bob@example.com', groups: ['developers'] },
  { id: 'carol', name: 'Carol Contractor', email: 'carol@example.com', groups: [] },
  // Whose email the provider has not verified: the examples' sign-in hook refuses him.
  { id: 'dave', name: 'Dave Unverified', email: 'dave@example.com', groups: ['developers'], emailVerified: false },
]

export function copyUser(user: DevUser): DevUser {
  const copy: DevUser = { id: user.id, name: user.name, email: user.email, groups: [...user.groups] }
  if (user.emailVerified !== undefined) copy.emailVerified = user.emailVerified
  return copy
}

function checkGroups(where: string, groups: unknown): string[] {
  if (!Array.isArray(groups) || !groups.every((g): g is string => typeof g === 'string')) {
    throw new OidcError('invalid_options', `@oidc-rp/testing: ${where} must be an array of strings`)
  }
  return [...groups]
}

/** The provider's own copy of its users; `setGroups` changes it, the caller's objects never. */
export class UserDirectory {
  readonly #users = new Map<string, DevUser>()

  constructor(users: readonly DevUser[]) {
    if (users.length === 0) throw new OidcError('invalid_options', '@oidc-rp/testing: options.users must not be empty')
    for (const user of users) {
      if (typeof user.id !== 'string' || user.id === '') {
        throw new OidcError('invalid_options', '@oidc-rp/testing: every user needs a non-empty string id')
      }
      if (this.#users.has(user.id))
        throw new OidcError('invalid_options', `@oidc-rp/testing: duplicate user id "${user.id}"`)
      checkGroups(`groups of user "${user.id}"`, user.groups)
      this.#users.set(user.id, copyUser(user))
    }
  }

  get(id: string): DevUser | undefined {
    const user = this.#users.get(id)
    return user && copyUser(user)
  }

  list(): DevUser[] {
    return [...this.#users.values()].map(copyUser)
  }

  setGroups(id: string, groups: string[]): void {
    const user = this.#users.get(id)
    if (!user) throw new OidcError('invalid_options', `@oidc-rp/testing: setGroups: unknown user "${id}"`)
    user.groups = checkGroups('setGroups(userId, groups): groups', groups)
  }

  /** The oidc-provider account; its claims are read at every token issued. */
  account(id: string): Account | undefined {
    if (!this.#users.has(id)) return undefined
    return {
      accountId: id,
      claims: (): AccountClaims => {
        const user = this.#users.get(id)
        if (!user) return { sub: id }
        // Dex's claim set; oidc-provider keeps only what the granted scopes allow.
        return {
          sub: user.id,
          name: user.name,
          preferred_username: user.id,
          email: user.email,
          email_verified: user.emailVerified ?? true,
          groups: [...user.groups],
        }
      },
    }
  }
}
