/**
 * Glewlwyd (Debian package `glewlwyd`), an OpenID-certified provider written in C, started
 * from scratch for a suite: on 127.0.0.1 and a free port, with an sqlite database created
 * from the package's own init script, a freshly generated RS256 signing key, users with
 * groups, and confidential clients registered through its admin API.
 *
 * Facts this launcher encodes (each found the hard way):
 * - the login page is a web app: the authorization endpoint only answers with a code once
 *   the user's session exists AND the request carries `g_continue` (what the web app adds
 *   after login). `signInAt()` does what the web app does, through the REST API: password
 *   login at `/api/auth/`, consent at `/api/auth/grant/<client>`, then the authorization
 *   URL with `g_continue`. No static file server is configured (none is needed).
 * - groups are a user property (declared in the user module's data-format) released as a
 *   claim for the `groups` scope;
 * - `post_logout_redirect_uris` is a client property that must be declared in the client
 *   module's data-format, or it is silently dropped (and end_session ignores the redirect);
 * - `use_secure_connection` must be left out of the configuration entirely;
 * - its refresh response carries no `id_token`.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import type { Browser, Exchange } from './browser.js'
import { closeServer, listenOnLoopback } from './http.js'
import { freePort } from './net.js'

export const GLEWLWYD_BINARY = '/usr/bin/glewlwyd'
const MODULES = '/usr/lib/glewlwyd'
/** The package's sqlite init script: dbconfig's copy, else the documentation's (absent where docs are excluded). */
const INIT_SCRIPTS = [
  '/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3',
  '/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz',
]
/** The administrator the init script creates (loopback only, a throw-away database). */
const ADMIN = { username: 'admin', password: 'password' }
/** The plugin instance name: endpoints live under /api/<name>/. */
const PLUGIN = 'oidc'

export interface GlewlwydUser {
  username: string
  password: string
  name: string
  email: string
  groups: string[]
}

export interface GlewlwydClient {
  clientId: string
  clientSecret: string
  redirectUri: string
  postLogoutRedirectUri: string
  backchannelLogoutUri: string
}

export interface GlewlwydOptions {
  /** Seconds the access token and the ID token live (Glewlwyd uses one duration for both). Default 3600. */
  tokenLifetime?: number
  users: GlewlwydUser[]
}

export interface Glewlwyd {
  /** The OIDC plugin's issuer, `http://127.0.0.1:<port>/api/oidc`. */
  issuer: string
  /** Registers (or replaces) a confidential client, Basic or post, one-time refresh tokens, back-channel logout. */
  addClient(client: GlewlwydClient): Promise<void>
  /** A session cookie for `username` at Glewlwyd, having consented to `scope` for `clientId`. */
  login(username: string, clientId: string, scope: string): Promise<string>
  /**
   * Signs `username` in at the app as a browser would, Glewlwyd's web app done through its
   * REST API: GET /login, password login and consent at Glewlwyd, the authorization URL with
   * `g_continue`, then the app's callback. Returns the exchanges and Glewlwyd's cookies.
   */
  signIn(browser: Browser, appUrl: string, username: string, clientId: string, returnTo?: string): Promise<SignedIn>
  /**
   * What Glewlwyd's web app does at `end_session`'s login page (prompt=end_session): lists the
   * session's clients, ends the OIDC session (which posts back-channel logout tokens), signs
   * out. Returns where the web app then sends the browser (undefined: it stays at Glewlwyd).
   */
  endSession(endSessionUrl: URL, cookie: string): Promise<URL | undefined>
  /** Ends the OIDC session of `cookie` at Glewlwyd (as its web app does): back-channel logout tokens go out. */
  endOidcSession(cookie: string): Promise<void>
  /** The ID token Glewlwyd issues to `clientId` for `username` (implicit flow, `response_type=id_token`). */
  issueIdToken(username: string, clientId: string, redirectUri: string): Promise<string>
  /** Every token-endpoint exchange so far, in order (tokens as digests, never their values). */
  tokenRequests: readonly TokenRequest[]
  /** What Glewlwyd printed (its log), for failure messages. */
  log(): string
  close(): Promise<void>
}

/** Whether the package is installed (scripts/system-deps.mjs installs it before `pnpm test`). */
export function glewlwydInstalled(): boolean {
  return existsSync(GLEWLWYD_BINARY) && INIT_SCRIPTS.some((path) => existsSync(path))
}

export async function startGlewlwyd(options: GlewlwydOptions): Promise<Glewlwyd> {
  if (!glewlwydInstalled())
    throw new Error(
      `Glewlwyd is not installed: run \`node scripts/system-deps.mjs\` (it runs apt-get install glewlwyd)`,
    )
  const dir = mkdtempSync(join(tmpdir(), 'glewlwyd-'))
  let child: ChildProcess | undefined
  let recorder: Recorder | undefined
  try {
    const port = await freePort()
    // Every client talks to Glewlwyd through the recorder, whose origin is the issuer's.
    recorder = await startRecorder(port)
    const origin = recorder.origin
    const database = join(dir, 'glewlwyd.db')
    execFileSync('sqlite3', [database], { input: initScript(), stdio: ['pipe', 'ignore', 'pipe'] })
    const logFile = join(dir, 'glewlwyd.log')
    writeFileSync(join(dir, 'glewlwyd.conf'), configuration({ port, origin, database, logFile }))
    child = spawn(GLEWLWYD_BINARY, ['-c', join(dir, 'glewlwyd.conf')], { cwd: dir, stdio: 'ignore' })
    const started = child
    const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '')
    await waitUntilUp(`${origin}/config`, started, log)
    const api = new AdminApi(`${origin}/api`)
    await api.login()
    const issuer = `${origin}/api/${PLUGIN}`
    await configure(api, options, issuer)
    await waitUntilUp(`${issuer}/.well-known/openid-configuration`, started, log)
    const users = new Map(options.users.map((user) => [user.username, user]))
    const endOidcSession = async (sid: string, cookie: string) => {
      const answer = await fetch(`${issuer}/session/${sid}`, { method: 'DELETE', headers: { cookie } })
      await answer.arrayBuffer()
      if (answer.status !== 200) throw new Error(`Glewlwyd: ending OIDC session answered ${answer.status}`)
    }

    const login = async (username: string, clientId: string, scope: string): Promise<string> => {
      const user = users.get(username)
      if (user === undefined) throw new Error(`Glewlwyd: no user ${username}`)
      const auth = await fetch(`${origin}/api/auth/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: user.password }),
      })
      if (auth.status !== 200) throw new Error(`Glewlwyd: login of ${username} answered ${auth.status}`)
      const cookie = sessionCookie(auth)
      // What the web app's consent screen does: grant the client the scopes it asks for.
      const grant = await fetch(`${origin}/api/auth/grant/${encodeURIComponent(clientId)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({
          scope: scope
            .split(' ')
            .filter((s) => KNOWN_SCOPES.includes(s))
            .join(' '),
        }),
      })
      if (grant.status !== 200) throw new Error(`Glewlwyd: consent for ${clientId} answered ${grant.status}`)
      return cookie
    }

    const oidcSid = (cookie: string) => /(?:^|; )GLEWLWYD2_OIDC_SID=([^;]+)/.exec(cookie)?.[1]

    return {
      issuer,
      addClient: (client) => addClient(api, client),
      login,
      async signIn(browser, appUrl, username, clientId, returnTo) {
        const loginUrl = new URL('/login', appUrl)
        if (returnTo !== undefined) loginUrl.searchParams.set('returnTo', returnTo)
        const start = await browser.navigate(loginUrl)
        if (start.status !== 302 || start.location === undefined)
          throw new Error(`GET /login answered ${start.status}: ${start.body.slice(0, 300)}`)
        const authorize = start.location
        let cookie = await login(username, clientId, authorize.searchParams.get('scope') ?? 'openid')
        const answer = await fetch(`${authorize.href}&g_continue`, { redirect: 'manual', headers: { cookie } })
        await answer.arrayBuffer()
        const location = answer.headers.get('location')
        if (answer.status !== 302 || location === null)
          throw new Error(`Glewlwyd's authorization endpoint answered ${answer.status}`)
        cookie = [cookie, ...answer.headers.getSetCookie().map((c) => c.split(';')[0])].join('; ')
        const callbackUrl = new URL(location)
        const callback = await browser.navigate(callbackUrl)
        return { authorize, callbackUrl, callback, cookie }
      },
      async endSession(endSessionUrl, cookie) {
        const answer = await fetch(endSessionUrl, { redirect: 'manual', headers: { cookie } })
        await answer.arrayBuffer()
        const location = answer.headers.get('location')
        if (answer.status !== 302 || location === null)
          throw new Error(`Glewlwyd's end_session answered ${answer.status}`)
        const page = new URL(location, origin).searchParams
        if (page.get('prompt') !== 'end_session')
          throw new Error(`Glewlwyd's end_session refused the logout (prompt=${page.get('prompt')})`)
        const sid = page.get('sid')!
        const postRedirectTo = page.get('post_redirect_to')
        const query = postRedirectTo === null ? '' : `?post_redirect_to=${encodeURIComponent(postRedirectTo)}`
        const list = await fetch(`${issuer}/session/${sid}/${encodeURIComponent(page.get('client_id')!)}${query}`, {
          headers: { cookie },
        })
        if (list.status !== 200) throw new Error(`Glewlwyd: the session list its web app reads answered ${list.status}`)
        const sessions = (await list.json()) as { post_redirect_to?: string }
        await endOidcSession(sid, cookie)
        const signOut = await fetch(`${origin}/api/auth/`, { method: 'DELETE', headers: { cookie } })
        await signOut.arrayBuffer()
        // The web app goes back to the client only when the session list names where to.
        const callback = page.get('callback_url')
        return sessions.post_redirect_to && callback !== null ? new URL(callback) : undefined
      },
      async endOidcSession(cookie) {
        const sid = oidcSid(cookie)
        if (sid === undefined) throw new Error('no Glewlwyd OIDC session cookie')
        await endOidcSession(sid, cookie)
      },
      async issueIdToken(username, clientId, redirectUri) {
        const cookie = await login(username, clientId, 'openid groups')
        const url = new URL(`${issuer}/auth`)
        url.search = new URLSearchParams({
          response_type: 'id_token',
          client_id: clientId,
          redirect_uri: redirectUri,
          scope: 'openid groups',
          nonce: randomBytes(12).toString('base64url'),
          state: 'bearer',
        }).toString()
        const response = await fetch(`${url.href}&g_continue`, { redirect: 'manual', headers: { cookie } })
        const location = response.headers.get('location') ?? ''
        const token = new URLSearchParams(new URL(location, origin).hash.slice(1)).get('id_token')
        if (token === null) throw new Error(`Glewlwyd: no id_token from the implicit flow (status ${response.status})`)
        return token
      },
      tokenRequests: recorder.tokenRequests,
      log,
      close: () => stop(started, recorder, dir),
    }
  } catch (error) {
    await stop(child, recorder, dir)
    throw error
  }
}

export interface SignedIn {
  /** Where the app sent the browser to sign in (Glewlwyd's authorization endpoint). */
  authorize: URL
  /** Where Glewlwyd sent the browser back to. */
  callbackUrl: URL
  /** The app's answer to its callback. */
  callback: Exchange
  /** Glewlwyd's cookies for this browser (its session, its OIDC session). */
  cookie: string
}

/** The scopes that exist at this Glewlwyd (and that its discovery lists). */
const KNOWN_SCOPES = ['openid', 'profile', 'email', 'groups']

async function configure(api: AdminApi, options: GlewlwydOptions, issuer: string): Promise<void> {
  // Declare the properties the users and clients carry, or Glewlwyd drops them.
  const userModule = (await api.call('GET', '/mod/user/database')) as ModuleInstance
  userModule.parameters['data-format'].groups = {
    multiple: true,
    read: true,
    write: true,
    'profile-read': true,
    'profile-write': false,
  }
  await api.call('PUT', '/mod/user/database', userModule)
  await api.call('PUT', '/mod/user/database/reset')
  const clientModule = (await api.call('GET', '/mod/client/database')) as ModuleInstance
  clientModule.parameters['data-format'].post_logout_redirect_uris = { multiple: true, read: true, write: true }
  await api.call('PUT', '/mod/client/database', clientModule)
  await api.call('PUT', '/mod/client/database/reset')
  for (const name of KNOWN_SCOPES.filter((s) => s !== 'openid')) {
    await api.call('POST', '/scope/', {
      name,
      display_name: name,
      description: `${name} claims`,
      password_required: false,
      scheme: {},
    })
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = {
    ...privateKey.export({ format: 'jwk' }),
    kid: `glewlwyd-${randomBytes(4).toString('hex')}`,
    alg: 'RS256',
    use: 'sig',
  }
  const lifetime = options.tokenLifetime ?? 3600
  await api.call('POST', '/mod/plugin/', {
    module: 'oidc',
    name: PLUGIN,
    display_name: 'OpenID Connect',
    enabled: true,
    parameters: {
      iss: issuer,
      'jwks-private': JSON.stringify({ keys: [jwk] }),
      'default-kid': jwk.kid,
      'code-duration': 600,
      'refresh-token-duration': 1_209_600,
      'refresh-token-rolling': true,
      // Rotation: every refresh token works once; a second use is refused (invalid_grant).
      'refresh-token-one-use': 'always',
      'access-token-duration': lifetime,
      'allow-non-oidc': false,
      'auth-type-code-enabled': true,
      'auth-type-token-enabled': false,
      'auth-type-id-token-enabled': true,
      'auth-type-none-enabled': false,
      'auth-type-password-enabled': false,
      'auth-type-client-enabled': false,
      'auth-type-refresh-enabled': true,
      'auth-type-device-enabled': false,
      'pkce-allowed': true,
      'allowed-scope': KNOWN_SCOPES,
      'name-claim': 'on-demand',
      'name-claim-scope': ['profile'],
      'email-claim': 'on-demand',
      'email-claim-scope': ['email'],
      claims: [
        {
          name: 'groups',
          'user-property': 'groups',
          type: 'string',
          scope: ['groups'],
          mandatory: false,
          'on-demand': false,
        },
      ],
      'session-management-allowed': true,
      'session-cookie-name': 'GLEWLWYD2_OIDC_SID',
      'session-cookie-expiration': 2_419_200,
      // Needed even without front-channel clients: without it the session list its web app
      // reads at end_session answers 400, and the logout stops at Glewlwyd.
      'front-channel-logout-allowed': true,
      'back-channel-logout-allowed': true,
    },
  })
  for (const user of options.users) {
    await api.call('POST', '/user/', {
      username: user.username,
      name: user.name,
      email: user.email,
      password: user.password,
      enabled: true,
      scope: KNOWN_SCOPES,
      groups: user.groups,
    })
  }
}

async function addClient(api: AdminApi, client: GlewlwydClient): Promise<void> {
  const body = {
    client_id: client.clientId,
    name: client.clientId,
    enabled: true,
    confidential: true,
    client_secret: client.clientSecret,
    token_endpoint_auth_method: ['client_secret_basic', 'client_secret_post'],
    redirect_uri: [client.redirectUri],
    authorization_type: ['code', 'id_token', 'refresh_token', 'delete_token'],
    post_logout_redirect_uris: [client.postLogoutRedirectUri],
    backchannel_logout_uri: client.backchannelLogoutUri,
    backchannel_logout_session_required: 'true',
    scope: [],
  }
  const existing = await api.call('GET', `/client/${encodeURIComponent(client.clientId)}`, undefined, [404])
  if (existing === undefined) await api.call('POST', '/client/', body)
  else await api.call('PUT', `/client/${encodeURIComponent(client.clientId)}`, body)
}

/** A user or client module instance as the admin API reads and writes it. */
interface ModuleInstance {
  parameters: { 'data-format': Record<string, unknown> }
}

class AdminApi {
  #cookie = ''
  constructor(readonly base: string) {}

  async login(): Promise<void> {
    const response = await fetch(`${this.base}/auth/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    })
    if (response.status !== 200) throw new Error(`Glewlwyd: admin login answered ${response.status}`)
    this.#cookie = sessionCookie(response)
  }

  /** One admin API call; its JSON answer (undefined when empty, or when the status is one of `absent`). */
  async call(method: string, path: string, body?: unknown, absent: number[] = []): Promise<unknown> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: { cookie: this.#cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    if (absent.includes(response.status)) return undefined
    if (response.status !== 200)
      throw new Error(`Glewlwyd admin API: ${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`)
    return text === '' ? undefined : JSON.parse(text)
  }
}

function sessionCookie(response: Response): string {
  const cookies = response.headers.getSetCookie().map((c) => c.split(';')[0])
  if (cookies.length === 0) throw new Error('Glewlwyd: no session cookie')
  return cookies.join('; ')
}

function initScript(): Buffer {
  const path = INIT_SCRIPTS.find((p) => existsSync(p))!
  const raw = readFileSync(path)
  return path.endsWith('.gz') ? gunzipSync(raw) : raw
}

/** libconfig; no `use_secure_connection` line at all (plain http on loopback; its presence was reported to get in the way), no static file server. */
function configuration(c: { port: number; origin: string; database: string; logFile: string }): string {
  return `port=${c.port}
bind_address="127.0.0.1"
external_url="${c.origin}"
login_url="login.html"
api_prefix="api"
allow_origin="${c.origin}"
log_mode="file"
log_level="WARNING"
log_file="${c.logFile}"
cookie_secure=0
cookie_same_site="empty"
session_expiration=3600
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
allow_multiple_user_per_session=true
login_api_enabled=true
add_x_frame_option_header_deny=true
max_post_size=16778240
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="${MODULES}/user"
client_module_path="${MODULES}/client"
user_auth_scheme_module_path="${MODULES}/scheme"
plugin_module_path="${MODULES}/plugin"
hash_algorithm="SHA512"
database =
{
  type = "sqlite3"
  path = "${c.database}"
};
`
}

async function waitUntilUp(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`Glewlwyd exited (${child.exitCode ?? child.signalCode}):\n${log()}`)
    try {
      const response = await fetch(url)
      await response.arrayBuffer()
      if (response.status === 200) return
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`Glewlwyd did not answer ${new URL(url).pathname} within 15 s:\n${log()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function stop(child: ChildProcess | undefined, recorder: Recorder | undefined, dir: string): Promise<void> {
  await recorder?.close()
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
  rmSync(dir, { recursive: true, force: true })
}

/** One exchange at the token endpoint as the recorder saw it. */
export interface TokenRequest {
  /** Epoch ms when the request arrived. */
  at: number
  grantType: string
  /** How the client authenticated: `basic` (the Authorization header) or `post` (the body). */
  clientAuth: 'basic' | 'post' | 'none'
  /** The client id as sent: from Basic credentials (not decoded, as Glewlwyd reads them) or the body. */
  clientId: string | undefined
  /** Digest of the refresh token presented (refresh_token grant). */
  presented: string | undefined
  status: number
  /** Digest of the refresh token issued, if any. */
  issued: string | undefined
  expiresIn: number | undefined
  idToken: boolean
}

interface Recorder {
  origin: string
  tokenRequests: TokenRequest[]
  close(): Promise<void>
}

const digest = (token: string) => createHash('sha256').update(token).digest('base64url').slice(0, 16)

/**
 * A loopback reverse proxy in front of Glewlwyd that records token-endpoint exchanges (what
 * the relying party sends there is the figure a refresh test counts) and forwards one
 * request at a time: Glewlwyd 2.7.5 shares one sqlite connection between its threads and
 * reads the last insert id after inserting a token, so two tokens issued at the same moment
 * can swap ids and one of them fails with server_error. Requests still all arrive, in order:
 * a second refresh by the relying party would be recorded (and refused) all the same.
 */
async function startRecorder(upstreamPort: number): Promise<Recorder> {
  const tokenRequests: TokenRequest[] = []
  let queue: Promise<void> = Promise.resolve()
  const forward = (incoming: IncomingMessage, outgoing: ServerResponse, body: Buffer) =>
    new Promise<void>((resolve) => {
      const at = Date.now()
      const upstream = httpRequest(
        {
          host: '127.0.0.1',
          port: upstreamPort,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
        },
        (answer) => {
          const parts: Buffer[] = []
          answer.on('data', (chunk: Buffer) => parts.push(chunk))
          answer.on('end', () => {
            const payload = Buffer.concat(parts)
            if (
              incoming.method === 'POST' &&
              new URL(incoming.url ?? '/', 'http://x').pathname.replace(/\/$/, '') === `/api/${PLUGIN}/token`
            ) {
              tokenRequests.push(
                tokenRequest(at, incoming.headers.authorization, body, answer.statusCode ?? 0, payload),
              )
            }
            outgoing.writeHead(answer.statusCode ?? 502, answer.rawHeaders)
            outgoing.end(payload)
            resolve()
          })
        },
      )
      upstream.on('error', () => {
        outgoing.writeHead(502)
        outgoing.end()
        resolve()
      })
      upstream.end(body)
    })
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => {
      queue = queue.then(() => forward(incoming, outgoing, Buffer.concat(chunks)))
    })
  })
  return { origin: await listenOnLoopback(server), tokenRequests, close: () => closeServer(server) }
}

function tokenRequest(
  at: number,
  authorization: string | undefined,
  body: Buffer,
  status: number,
  payload: Buffer,
): TokenRequest {
  const form = new URLSearchParams(body.toString('utf8'))
  let clientId = form.get('client_id') ?? undefined
  // As sent: Glewlwyd does not decode Basic credentials either.
  if (authorization?.startsWith('Basic '))
    clientId = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':')[0]
  let answer: Record<string, unknown> = {}
  try {
    answer = JSON.parse(payload.toString('utf8')) as Record<string, unknown>
  } catch {
    // not JSON: an error page
  }
  const presented = form.get('refresh_token')
  return {
    at,
    grantType: form.get('grant_type') ?? '',
    clientAuth: authorization?.startsWith('Basic ') ? 'basic' : form.has('client_secret') ? 'post' : 'none',
    clientId,
    presented: presented === null ? undefined : digest(presented),
    status,
    issued: typeof answer.refresh_token === 'string' ? digest(answer.refresh_token) : undefined,
    expiresIn: typeof answer.expires_in === 'number' ? answer.expires_in : undefined,
    idToken: typeof answer.id_token === 'string',
  }
}
