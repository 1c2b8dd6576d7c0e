import type { ResolvedConfig } from '../config/resolve.js'
import type { ProviderDiscovery } from '../protocol/provider.js'
import type { LoginTransactions } from '../protocol/transaction.js'
import type { SessionBackend } from '../session/backend.js'

/** What the routes work with; each takes the part it needs. */
export interface RouteDeps {
  readonly config: ResolvedConfig
  readonly provider: ProviderDiscovery
  readonly sessions: SessionBackend
  readonly transactions: LoginTransactions
}

/** A route's path as the browser sees it: under the path of `baseURL`. */
export function mountedPath(config: Pick<ResolvedConfig, 'baseURL'>, route: string): string {
  return config.baseURL.pathname.replace(/\/$/, '') + route
}
