/** The session options: the store, or stateless cookie sessions. */
import { storeProblem, type SessionStore } from '../store.js'
import type { OidcOptions } from './options.js'
import { parseBoolean, type Env, type Problem } from './parse.js'

export function resolveSessionStore(
  options: OidcOptions,
  env: Env,
  problem: Problem,
): { store: SessionStore | undefined; stateless: boolean } {
  const store = options.session?.store
  const storeIssue = store === undefined ? undefined : storeProblem(store)
  if (storeIssue !== undefined) problem('session.store', undefined, storeIssue)
  const statelessEnv = parseBoolean(env.OIDC_SESSION_STATELESS)
  if (statelessEnv === 'invalid') problem('session.stateless', 'OIDC_SESSION_STATELESS', 'must be true or false')
  const stateless = options.session?.stateless ?? statelessEnv === true
  if (stateless && store !== undefined)
    problem(
      'session.stateless',
      'OIDC_SESSION_STATELESS',
      'cannot be combined with session.store: choose a store or stateless cookie sessions',
    )
  return { store, stateless }
}
