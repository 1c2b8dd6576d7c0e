// @ts-check
import { randomBytes } from 'node:crypto'
import { parseAddresses, RedisStore } from '@oidc-rp/redis'
import { startDevProvider } from '@oidc-rp/testing'
import { refuse } from '@oidc-rp/core'
export { homePage } from './pages.js'

/**
 * oidc() options beyond what the OIDC_* variables give.
 * @typedef {object} ExampleOptions
 * @property {string} baseURL
 * @property {string} [issuer]
 * @property {string} [clientId]
 * @property {string} [clientSecret]
 * @property {string} [secret]
 * @property {{ store: RedisStore }} [session]  with REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES set: sessions in Redis
 * @property {boolean} [bearer]                bearer tokens on, unless OIDC_BEARER is set
 * @property {string[]} [loginParams]          login_hint and prompt pass through /login, unless OIDC_LOGIN_PARAMS is set
 * @property {import('@oidc-rp/core').OnSignIn} onSignIn  refuses a user whose email is not verified
 */

/**
 * The examples' sign-in hook: a user whose provider says `email_verified: false` is refused
 * (403, with a page saying so); everyone else is signed in with the claims as they are.
 * @type {import('@oidc-rp/core').OnSignIn}
 */
export function refuseUnverifiedEmail({ claims }) {
  if (claims['email_verified'] !== false) return undefined
  const email = typeof claims['email'] === 'string' ? claims['email'] : 'your email address'
  return refuse(
    'email_unverified',
    `The email address ${email} is not verified: verify it at your provider, then sign in again.`,
  )
}

/**
 * @typedef {object} ExampleSetup
 * @property {ExampleOptions} options
 * @property {string} host                     where to listen
 * @property {(framework: string) => void} announce  prints the URL (and the dev users)
 * @property {number} recentMaxAge             seconds within which /recent wants a sign-in: RECENT_MAX_AGE, default 60
 */

/**
 * With OIDC_ISSUER set, the OIDC_* variables configure everything (OIDC_BASE_URL defaults
 * to http://127.0.0.1:$PORT). Without it, the embedded dev provider is started.
 * @param {{ port: number }} args
 * @returns {Promise<ExampleSetup>}
 */
export async function exampleSetup({ port }) {
  const host = process.env.HOST ?? '127.0.0.1'
  const baseURL = process.env.OIDC_BASE_URL ?? `http://127.0.0.1:${port}`
  // Bearer tokens are off by default in the library; the examples accept them unless
  // OIDC_BEARER says otherwise (oidc() reads and checks it when the option is not given).
  const extra = {
    ...sessionOptions(),
    ...(process.env.OIDC_BEARER === undefined ? { bearer: true } : {}),
    // `/login?login_hint=bob&prompt=login` reaches the provider (the library passes none by default).
    ...(process.env.OIDC_LOGIN_PARAMS === undefined ? { loginParams: ['login_hint', 'prompt'] } : {}),
    onSignIn: refuseUnverifiedEmail,
  }
  const recentMaxAge = Number(process.env.RECENT_MAX_AGE ?? 60)
  if (process.env.OIDC_ISSUER) {
    return {
      options: { baseURL, ...extra },
      host,
      recentMaxAge,
      announce: (framework) =>
        console.log(`oidc-rp ${framework} example on ${baseURL} (provider ${process.env.OIDC_ISSUER})`),
    }
  }
  const clientId = 'oidc-rp-example'
  const clientSecret = randomBytes(24).toString('base64url')
  const provider = await startDevProvider({
    port: Number(process.env.DEV_PROVIDER_PORT ?? 0),
    clients: [
      { clientId, clientSecret, redirectUris: [`${baseURL}/callback`], postLogoutRedirectUris: [`${baseURL}/`] },
    ],
  })
  return {
    options: {
      issuer: provider.issuer,
      clientId,
      clientSecret,
      baseURL,
      secret: process.env.OIDC_SECRET ?? randomBytes(32).toString('base64url'),
      ...extra,
    },
    host,
    recentMaxAge,
    announce: (framework) => {
      console.log(`oidc-rp ${framework} example: open ${baseURL}`)
      console.log(`embedded dev provider at ${provider.issuer} (development only). Sign in as:`)
      for (const user of provider.users)
        console.log(
          `  ${user.id.padEnd(8)} ${user.name} <${user.email}>  groups: ${user.groups.join(', ') || '(none)'}`,
        )
    },
  }
}

/**
 * With REDIS_URL (one node), REDIS_SENTINELS and REDIS_SENTINEL_NAME (Sentinel) or
 * REDIS_CLUSTER_NODES (Cluster) set, sessions live in Redis (@oidc-rp/redis, with the client
 * options its README recommends for each): shared by every process of the app and kept
 * across restarts (set OIDC_SECRET too, or the cookies of the previous run do not verify).
 * Otherwise they live in this process's memory. A malformed value stops the start with an
 * error naming the variable.
 * @returns {{ session?: { store: RedisStore } }}
 */
function sessionOptions() {
  const env = process.env
  const given = ['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'].filter((name) => env[name])
  if (given.length === 0) {
    if (env.REDIS_SENTINEL_NAME) throw new Error('REDIS_SENTINEL_NAME is set without REDIS_SENTINELS (host:port,...)')
    return {}
  }
  if (given.length > 1)
    throw new Error(`set one of REDIS_URL, REDIS_SENTINELS and REDIS_CLUSTER_NODES, not ${given.join(' and ')}`)
  if (env.REDIS_URL) {
    console.log('sessions in Redis (REDIS_URL)')
    return { session: { store: new RedisStore({ url: env.REDIS_URL }) } }
  }
  if (env.REDIS_SENTINELS) {
    if (!env.REDIS_SENTINEL_NAME)
      throw new Error('REDIS_SENTINELS needs REDIS_SENTINEL_NAME, the name of the master the sentinels watch')
    const sentinels = parseAddresses(env.REDIS_SENTINELS, 'REDIS_SENTINELS')
    console.log(`sessions in Redis (REDIS_SENTINELS, master ${env.REDIS_SENTINEL_NAME})`)
    return { session: { store: new RedisStore({ sentinels, name: env.REDIS_SENTINEL_NAME }) } }
  }
  const cluster = parseAddresses(/** @type {string} */ (env.REDIS_CLUSTER_NODES), 'REDIS_CLUSTER_NODES')
  console.log('sessions in Redis (REDIS_CLUSTER_NODES)')
  return { session: { store: new RedisStore({ cluster }) } }
}
