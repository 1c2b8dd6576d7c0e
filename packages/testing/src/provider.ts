import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Provider } from './oidc-provider.js'
import type { Client, Configuration, Grant, KoaContextWithOIDC } from 'oidc-provider'
import { clientMetadata, copyClient, isLoopbackUri } from './clients.js'
import { handleInteraction, interactionPath } from './interactions.js'
import { generateSigningKeys } from './keys.js'
import { issueIdToken } from './id-token.js'
import { logoutSource, postLogoutSuccessSource, renderError } from './pages.js'
import { MemoryStore } from './store.js'
import { checkOptions, type Settings } from './settings.js'
import type { DevProvider, DevProviderOptions, DevProviderStats } from './types.js'
import { UserDirectory } from './users.js'

const CLOCK_TOLERANCE = 15

/**
 * Starts an OpenID Provider (oidc-provider) on loopback with known users, a login page that
 * lists them, automatic consent, refresh tokens and back-channel logout. For development and
 * tests only.
 */
export async function startDevProvider(options: DevProviderOptions = {}): Promise<DevProvider> {
  const settings = checkOptions(options)
  const users = new UserDirectory(settings.users)
  const store = new MemoryStore(CLOCK_TOLERANCE)
  const keys = await generateSigningKeys()

  const server = createServer()
  const port = await listen(server, settings.port, settings.host)
  const issuer = `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}`

  let provider: Provider
  try {
    provider = new Provider(issuer, {
      ...protocolConfiguration(settings),
      adapter: store.adapter,
      clients: settings.clients.map(clientMetadata),
      jwks: { keys },
      findAccount: (_ctx, sub) => users.account(sub),
      cookies: {
        keys: [randomBytes(32).toString('base64url')],
        // Browsers share cookies between ports of one host: names an app will not use.
        names: { session: 'devop_session', interaction: 'devop_interaction', resume: 'devop_interaction_resume' },
      },
    })
  } catch (error) {
    await closeServer(server)
    throw error
  }
  acceptLoopbackUrisAndIssueSid(provider)

  const tokenRequests: Record<string, number> = {}
  const stats: DevProviderStats = {
    tokenRequests,
    reset() {
      for (const grantType of Object.keys(tokenRequests)) delete tokenRequests[grantType]
    },
  }
  provider.on('grant.success', (ctx) => {
    const grantType = ctx.oidc.params?.['grant_type']
    if (typeof grantType === 'string') tokenRequests[grantType] = (tokenRequests[grantType] ?? 0) + 1
  })
  provider.on('server_error', (_ctx, error) => {
    console.error('@oidc-rp/testing: dev provider error:', error)
  })

  let down = false
  const callback = provider.callback()
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (down) {
      unavailable(res)
      return
    }
    if (handleInteraction(provider, users, req, res)) return
    void callback(req, res)
  })

  let closing: Promise<void> | undefined
  return {
    issuer,
    get clients() {
      return settings.clients.map(copyClient)
    },
    get users() {
      return users.list()
    },
    setGroups: (userId, groups) => users.setGroups(userId, groups),
    setDown(value) {
      down = value
      if (value) server.closeIdleConnections()
    },
    stats,
    backchannelLogout: (userId, sessionId) => endSessions(provider, store, userId, sessionId),
    issueIdToken: (userId, tokenOptions = {}) =>
      issueIdToken({ issuer, keys, users, clients: settings.clients, ttl: settings.ttl.idToken }, userId, tokenOptions),
    close() {
      closing ??= closeServer(server)
      return closing
    },
  }
}

/** Everything about the protocol, apart from keys, clients, users and storage. */
function protocolConfiguration(settings: Settings): Configuration {
  return {
    // Dex's claims: `groups` comes with `profile` or with its own `groups` scope.
    claims: {
      acr: null,
      auth_time: null,
      iss: null,
      sid: null,
      openid: ['sub'],
      profile: ['name', 'preferred_username', 'groups'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'groups'],
    // The authorization code flow only (no implicit or hybrid).
    responseTypes: ['code'],
    // Put the scope's claims in the ID token too, not only at userinfo.
    conformIdTokenClaims: false,
    clockTolerance: CLOCK_TOLERANCE,
    // No consent screen: every requested scope is granted.
    loadExistingGrant: grantEverythingRequested,
    // A refresh token with every code, offline_access or not.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: settings.rotateRefreshTokens,
    pkce: { required: () => true },
    // Clients may have a placeholder redirect URI (see clients.ts): never default to it.
    allowOmittingSingleRegisteredRedirectUri: false,
    interactions: { url: (_ctx, interaction) => interactionPath(interaction.uid) },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      backchannelLogout: { enabled: true },
      revocation: { enabled: true },
      claimsParameter: { enabled: false },
    },
    enabledJWA: {
      idTokenSigningAlgValues: ['RS256', 'PS256', 'ES256', 'Ed25519', 'EdDSA', 'HS256'],
    },
    ttl: {
      AccessToken: settings.ttl.accessToken,
      IdToken: settings.ttl.idToken,
      RefreshToken: settings.ttl.refreshToken,
      Session: settings.ttl.session,
      Grant: Math.max(settings.ttl.refreshToken, settings.ttl.session),
      Interaction: 3600,
      AuthorizationCode: 60,
    },
    renderError,
    // oidc-provider refuses outgoing requests to loopback addresses (SSRF protection); a dev
    // provider must reach back-channel logout endpoints on 127.0.0.1, so drop its dispatcher.
    fetch: (input, init) =>
      globalThis.fetch(input, {
        method: init?.method ?? 'GET',
        headers: init?.headers ?? {},
        body: init?.body ?? null,
        redirect: init?.redirect ?? 'manual',
        signal: init?.signal ?? null,
      }),
  }
}

/** oidc-provider's documented way to skip consent: a grant holding everything requested. */
async function grantEverythingRequested(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
  const { client, session, account } = ctx.oidc
  if (!client || !session || !account) return undefined
  const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId)
  const existing = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined
  const grant =
    existing?.accountId === account.accountId && existing.clientId === client.clientId
      ? existing
      : new ctx.oidc.provider.Grant({ accountId: account.accountId, clientId: client.clientId })
  grant.addOIDCScope(ctx.oidc.requestParamOIDCScopes)
  if (ctx.oidc.requestParamClaims.size) grant.addOIDCClaims(ctx.oidc.requestParamClaims)
  await grant.save()
  return grant
}

/**
 * Two changes to this provider's Client model: any loopback URI is a valid redirect_uri and
 * post_logout_redirect_uri (tests start the provider before the app has a port), and every
 * ID token carries `sid` (oidc-provider adds it only for back-channel logout clients).
 */
function acceptLoopbackUrisAndIssueSid(provider: Provider): void {
  const prototype = provider.Client.prototype
  // oidc-provider's own methods, called on the client they belong to (`.call(this, ...)`).
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const redirectUriAllowed = prototype.redirectUriAllowed
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const postLogoutRedirectUriAllowed = prototype.postLogoutRedirectUriAllowed
  prototype.redirectUriAllowed = function (this: Client, uri: string) {
    return isLoopbackUri(uri) || redirectUriAllowed.call(this, uri)
  }
  prototype.postLogoutRedirectUriAllowed = function (this: Client, uri: string) {
    return isLoopbackUri(uri) || postLogoutRedirectUriAllowed.call(this, uri)
  }
  prototype.includeSid = () => true
}

/** `Client#backchannelLogout` exists in oidc-provider v9 but not in @types/oidc-provider. */
interface BackchannelLogoutClient {
  backchannelLogout(sub: string, sid: string | undefined): Promise<void>
}

function canLogOut(client: Client): client is Client & BackchannelLogoutClient {
  return client.backchannelLogoutUri !== undefined && typeof Reflect.get(client, 'backchannelLogout') === 'function'
}

async function endSessions(
  provider: Provider,
  store: MemoryStore,
  userId: string,
  sessionId: string | undefined,
): Promise<void> {
  const deliveries: Promise<void>[] = []
  for (const record of store.sessionsOf(userId)) {
    const authorizations = Object.entries(record.authorizations ?? {})
    if (sessionId !== undefined && record.uid !== sessionId && !authorizations.some(([, a]) => a.sid === sessionId))
      continue
    for (const [clientId, { sid, grantId }] of authorizations) {
      if (grantId) await revokeGrant(provider, grantId)
      const client = await provider.Client.find(clientId)
      if (client && canLogOut(client)) {
        deliveries.push(
          client.backchannelLogout(userId, sid).catch((cause: unknown) => {
            throw new Error(`back-channel logout of "${clientId}" failed`, { cause })
          }),
        )
      }
    }
    const session = record.uid ? await provider.Session.findByUid(record.uid) : undefined
    await session?.destroy()
  }
  const failures = (await Promise.allSettled(deliveries)).flatMap((r) =>
    r.status === 'rejected' ? [r.reason as unknown] : [],
  )
  if (failures.length)
    throw new AggregateError(
      failures,
      `@oidc-rp/testing: backchannelLogout: ${failures.length} client(s) did not accept the logout token`,
    )
}

async function revokeGrant(provider: Provider, grantId: string): Promise<void> {
  await Promise.all([
    provider.AccessToken.revokeByGrantId(grantId),
    provider.RefreshToken.revokeByGrantId(grantId),
    provider.AuthorizationCode.revokeByGrantId(grantId),
  ])
  const grant = await provider.Grant.find(grantId)
  await grant?.destroy()
}

function unavailable(res: ServerResponse): void {
  res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1', connection: 'close' })
  res.end(
    JSON.stringify({ error: 'temporarily_unavailable', error_description: 'the dev provider is down (setDown(true))' }),
  )
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
    server.closeAllConnections()
  })
}
