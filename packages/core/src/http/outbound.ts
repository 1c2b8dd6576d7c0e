import { EnvHttpProxyAgent, fetch as undiciFetch } from 'undici'

/** How the middleware reaches the provider: `fetch(url, init)` as the Fetch API has it. */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>

/**
 * The fetch for requests to the provider (discovery, keys, tokens, userinfo): the app's
 * own when given; through the proxy of `HTTPS_PROXY`/`HTTP_PROXY` (honouring `NO_PROXY`)
 * when one is set, which Node's own fetch ignores before Node 24; else Node's fetch.
 */
export function outboundFetch(given: Fetch | undefined, env: Record<string, string | undefined>): Fetch {
  if (given !== undefined) return given
  const variable = (name: string) => env[name] || env[name.toLowerCase()] || undefined
  const httpsProxy = variable('HTTPS_PROXY')
  const httpProxy = variable('HTTP_PROXY')
  if (httpsProxy === undefined && httpProxy === undefined) return (url, init) => fetch(url, init)
  const dispatcher = new EnvHttpProxyAgent({
    ...(httpProxy === undefined ? {} : { httpProxy }),
    ...(httpsProxy === undefined ? {} : { httpsProxy }),
    noProxy: variable('NO_PROXY') ?? '',
  })
  return (url, init) => undiciFetch(url, { ...(init as unknown as Parameters<typeof undiciFetch>[1]), dispatcher })
}
