// The dev OpenID Provider (oidc-provider, @oidc-rp/testing) in its own process; the
// parent reads its grant counters over IPC.
import { startDevProvider } from '@oidc-rp/testing'
import { childConfig, serveParent } from './child.mjs'

const config = childConfig()
const provider = await startDevProvider({ clients: config.clients, ttl: config.ttl })

serveParent(
  {
    stats: () => ({ ...provider.stats.tokenRequests }),
    reset: () => provider.stats.reset(),
    close: () => provider.close(),
  },
  { issuer: provider.issuer },
)
