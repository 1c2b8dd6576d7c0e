/**
 * A misbehaving OpenID Provider for tests: correct by default, and every response can be
 * bent per test (see `Behaviour`) to produce what a real provider never will.
 * Listens on 127.0.0.1 only.
 */
import { randomBytes, type KeyObject } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { closeServer, listenOnLoopback } from './http.js'
import { handleAuthorize } from './rogue/authorize.js'
import { defaultBehaviour, mergeBehaviour, type Behaviour, type Endpoint } from './rogue/behaviour.js'
import { handleDiscovery, handleEndSession, handleForeignJwks, handleJwks, handleUserinfo } from './rogue/documents.js'
import { sendJson } from './rogue/http.js'
import { generateRogueKey, generateRogueKeys, type RogueKeys } from './rogue/keys.js'
import { zeroCounts, type ClientAuthMethod, type RequestCounts, type RogueState } from './rogue/state.js'
import { handleToken } from './rogue/token.js'

export type { AuthorizeOverrides, Behaviour, Bend, Claims, Endpoint, Overrides, SignMode } from './rogue/behaviour.js'
export { correctIdTokenClaims } from './rogue/id-token.js'
export type { RogueKey, RogueKeys } from './rogue/keys.js'
export type { ClientAuthMethod, RequestCounts } from './rogue/state.js'

export interface RogueProviderOptions {
  /** Default 'rogue-client'. */
  clientId?: string
  /** Default: 40 random characters. */
  clientSecret?: string
  /** The client's public key: `private_key_jwt` assertions signed with its private key are accepted. */
  clientKey?: KeyObject
  /** Knobs applied on top of the correct defaults; `reset()` comes back to these. */
  behaviour?: Partial<Behaviour>
}

export interface RogueProvider {
  /** http://127.0.0.1:<port>, no trailing slash. */
  readonly issuer: string
  readonly clientId: string
  readonly clientSecret: string
  readonly keys: RogueKeys
  /** Current knobs; assign to them directly or use `bend()`. */
  readonly behaviour: Behaviour
  /** Merges knobs into the current behaviour (object knobs one level deep). */
  bend(changes: Partial<Behaviour>): void
  /** Restores the start-up behaviour and keys (undoing rotations) and zeroes the request counters. */
  reset(): void
  /** Publishes a NEW RS256 key (new kid) and signs with it from now on; the old one stays published. */
  rotateKey(): Promise<void>
  readonly requests: Readonly<RequestCounts>
  /** Query of the last authorization request. */
  readonly lastAuthorize: URLSearchParams | undefined
  /** Form of the last token request, without client_secret. */
  readonly lastTokenRequest: URLSearchParams | undefined
  /** The ID token of the last token response that had one. */
  readonly lastIdToken: string | undefined
  /** How the client authenticated at the last token request it passed. */
  readonly lastClientAuth: ClientAuthMethod | undefined
  close(): Promise<void>
}

type Handler = (state: RogueState, req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>

const ROUTES: Readonly<Record<string, { endpoint: Endpoint; handle: Handler }>> = {
  '/.well-known/openid-configuration': {
    endpoint: 'discovery',
    handle: (state, _req, res) => handleDiscovery(state, res),
  },
  '/jwks': { endpoint: 'jwks', handle: (state, _req, res) => handleJwks(state, res) },
  '/authorize': { endpoint: 'authorize', handle: (state, _req, res, url) => handleAuthorize(state, url, res) },
  '/token': { endpoint: 'token', handle: (state, req, res) => handleToken(state, req, res) },
  '/userinfo': { endpoint: 'userinfo', handle: (state, req, res) => handleUserinfo(state, req, res) },
  '/end_session': { endpoint: 'end_session', handle: (_state, _req, res, url) => handleEndSession(url, res) },
  '/foreign/jwks': { endpoint: 'foreign_jwks', handle: (state, _req, res) => handleForeignJwks(state, res) },
}

export async function startRogueProvider(options: RogueProviderOptions = {}): Promise<RogueProvider> {
  const initial = mergeBehaviour(defaultBehaviour(), options.behaviour ?? {})
  const keys = await generateRogueKeys()
  const server = createServer()
  const issuer = await listenOnLoopback(server)
  const state: RogueState = {
    issuer,
    clientId: options.clientId ?? 'rogue-client',
    clientSecret: options.clientSecret ?? randomBytes(30).toString('base64url'),
    clientKey: options.clientKey,
    behaviour: initial,
    keys,
    codes: new Map(),
    accessTokens: new Map(),
    refreshTokens: new Map(),
    requests: { discovery: 0, jwks: 0, authorize: 0, token: 0, userinfo: 0, end_session: 0, foreign_jwks: 0 },
    lastAuthorize: undefined,
    lastTokenRequest: undefined,
    lastIdToken: undefined,
    lastClientAuth: undefined,
  }
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    dispatch(state, req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error' })
      else res.destroy()
    })
  })

  return {
    issuer: state.issuer,
    clientId: state.clientId,
    clientSecret: state.clientSecret,
    get keys() {
      return state.keys
    },
    get behaviour() {
      return state.behaviour
    },
    bend(changes) {
      state.behaviour = mergeBehaviour(state.behaviour, changes)
    },
    reset() {
      state.behaviour = mergeBehaviour(defaultBehaviour(), options.behaviour ?? {})
      state.keys = keys
      zeroCounts(state.requests)
    },
    async rotateKey() {
      const next = await generateRogueKey({ alg: 'RS256', label: 'rsa' })
      state.keys = { ...state.keys, rs256: next, previous: [state.keys.rs256, ...state.keys.previous] }
    },
    requests: state.requests,
    get lastAuthorize() {
      return state.lastAuthorize
    },
    get lastTokenRequest() {
      return state.lastTokenRequest
    },
    get lastIdToken() {
      return state.lastIdToken
    },
    get lastClientAuth() {
      return state.lastClientAuth
    },
    close: () => closeServer(server),
  }
}

async function dispatch(state: RogueState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', state.issuer)
  const route = ROUTES[url.pathname]
  if (route === undefined) {
    sendJson(res, 404, { error: 'not_found' })
    return
  }
  state.requests[route.endpoint] += 1
  const { behaviour } = state
  const affected = behaviour.affects === 'all' || behaviour.affects.includes(route.endpoint)
  if (affected && behaviour.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs))
  if (affected && behaviour.down === 'destroy') {
    req.socket.destroy()
    return
  }
  if (affected && behaviour.down === 503) {
    sendJson(res, 503, { error: 'temporarily_unavailable' }, { 'retry-after': '1' })
    return
  }
  await route.handle(state, req, res, url)
}
