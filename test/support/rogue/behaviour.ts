/**
 * What the rogue provider does, as one plain object of knobs. The defaults describe a
 * correct provider; a test bends the knobs it needs and `reset()` restores them.
 */

/** Keys to set; a key whose value is `undefined` is deleted. */
export type Overrides = Readonly<Record<string, unknown>>

/** Either key overrides, or a function that builds the whole value from the correct one. */
export type Bend<T> = Overrides | ((correct: T) => unknown)

export type Claims = Record<string, unknown>

export type SignMode =
  | 'rs256'
  | 'es256'
  | 'hs256' // keyed with `hmacSecret`, by default the client secret
  | 'none'
  | 'foreign-rs256' // an RSA key (own kid) that is NOT in the JWKS
  | 'bad-signature' // a correct RS256 token whose signature bytes are corrupted
  | 'hs256-with-public-key' // HMAC keyed with the RSA public key (alg confusion)

export type Endpoint = 'discovery' | 'jwks' | 'authorize' | 'token' | 'userinfo' | 'end_session' | 'foreign_jwks'

export interface AuthorizeOverrides {
  /** `null` omits the parameter; a string replaces it. */
  state?: string | null
  /** `null` omits it; a string replaces it. By default sent when discovery advertises RFC 9207. */
  iss?: string | null
  /** Sent instead of the real code (which stays valid at the token endpoint). */
  code?: string
  /** Redirect with this error instead of a code. */
  error?: string
  error_description?: string
  /** Any other parameter of the redirect back to the client. */
  params?: Overrides
}

export interface Behaviour {
  /** ID token claims (iss, sub, aud, exp, iat, auth_time, nonce, at_hash, email, name, groups). */
  claims: Bend<Claims>
  /** ID token JOSE header overrides (alg, kid, typ...), applied after signing is chosen. */
  header: Overrides
  sign: SignMode
  /** Key for `sign: 'hs256'`; `undefined` means the client secret. */
  hmacSecret: string | undefined
  /** How the RSA public key is turned into HMAC key bytes for 'hs256-with-public-key'. */
  confusionKey: 'spki-pem' | 'jwk-json'
  /** Leave `id_token` out of the token response: of every one, or (`'refresh'`) of refresh grants only (OIDC Core §12.2). */
  omitIdToken: boolean | 'refresh'
  authorize: AuthorizeOverrides
  /** Discovery document overrides. */
  discovery: Overrides
  /** Replaces the JWKS response (the correct set is passed to a function; a string it returns is sent as-is). */
  jwks: Bend<{ keys: unknown[] }> | undefined
  /** Status of the JWKS response. */
  jwksStatus: number
  /** Status of a token response that passed the checks (the checks' own errors are unchanged). */
  tokenStatus: number
  /** Token response overrides; a function may return a string, sent as-is. */
  tokenBody: Bend<Record<string, unknown>> | undefined
  userinfoStatus: number
  userinfo: Bend<Claims>
  /** 'destroy' drops the socket, 503 answers temporarily_unavailable. */
  down: false | 'destroy' | 503
  /** Which endpoints `down` and `delayMs` apply to. */
  affects: 'all' | readonly Endpoint[]
  delayMs: number
  /**
   * Milliseconds the token endpoint waits before sending an answer it has already made (a
   * rotated refresh token is spent by then): a provider slower than the client's timeout.
   */
  answerDelayMs: number
  /** Refuse an authorization request without PKCE S256, like the RP's design demands. */
  requirePkce: boolean
  /** Accept an authorization code more than once (so only the RP can stop a replay). */
  reusableCodes: boolean
  /** Rotate the refresh token on every refresh grant. */
  rotateRefreshTokens: boolean
  expiresIn: number
  /**
   * 'decoded': Basic credentials are form-urldecoded (RFC 6749 §2.3.1). 'as-sent': compared
   * as they arrive, as Glewlwyd and oauth2-mock-server do, so only an encoding that leaves
   * unreserved characters alone works with them.
   */
  basicCredentials: 'decoded' | 'as-sent'
}

export function defaultBehaviour(): Behaviour {
  return {
    claims: {},
    header: {},
    sign: 'rs256',
    hmacSecret: undefined,
    confusionKey: 'spki-pem',
    omitIdToken: false,
    authorize: {},
    discovery: {},
    jwks: undefined,
    jwksStatus: 200,
    tokenStatus: 200,
    tokenBody: undefined,
    userinfoStatus: 200,
    userinfo: {},
    down: false,
    affects: 'all',
    delayMs: 0,
    answerDelayMs: 0,
    requirePkce: true,
    reusableCodes: false,
    rotateRefreshTokens: false,
    expiresIn: 3600,
    basicCredentials: 'decoded',
  }
}

const MERGED_KNOBS = ['claims', 'header', 'authorize', 'discovery', 'userinfo'] as const

/** Applies a test's knobs on top of the current ones; object knobs are merged one level deep. */
export function mergeBehaviour(current: Behaviour, changes: Partial<Behaviour>): Behaviour {
  const next: Behaviour = { ...current, ...changes }
  for (const knob of MERGED_KNOBS) {
    const before = current[knob]
    const after = changes[knob]
    if (isPlainObject(before) && isPlainObject(after)) Object.assign(next, { [knob]: { ...before, ...after } })
  }
  return next
}

/** The correct value bent by the test: overrides (undefined deletes) or a function of it. */
export function bend<T extends Record<string, unknown>>(correct: T, how: Bend<T> | undefined): unknown {
  if (how === undefined) return correct
  if (typeof how === 'function') return how(correct)
  const result: Record<string, unknown> = { ...correct }
  for (const [key, value] of Object.entries(how)) {
    if (value === undefined) delete result[key]
    else result[key] = value
  }
  return result
}

/** `bend` for values that must stay objects (claims, headers, documents). */
export function bendObject<T extends Record<string, unknown>>(
  correct: T,
  how: Bend<T> | undefined,
): Record<string, unknown> {
  const result = bend(correct, how)
  if (!isPlainObject(result)) throw new TypeError('rogue provider: this knob must produce an object')
  return result
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
