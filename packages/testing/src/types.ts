/** A known user of the dev provider. There are no passwords: anyone can pick any user. */
export interface DevUser {
  /** The `sub` claim and `preferred_username`. */
  id: string
  name: string
  email: string
  /** Defaults to `true`. */
  emailVerified?: boolean
  groups: string[]
}

export type DevIdTokenSigningAlg = 'RS256' | 'PS256' | 'ES256' | 'EdDSA' | 'HS256'

export type DevTokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none'

/** A relying party registered at the dev provider. */
export interface DevClient {
  clientId: string
  /** Omitted: a public client (`token_endpoint_auth_method: none`). */
  clientSecret?: string
  /**
   * Extra redirect URIs, matched exactly. Any loopback URI (`http://127.0.0.1:<port>/...`,
   * `http://localhost:<port>/...`, `http://[::1]:<port>/...`) is always accepted, as
   * `redirect_uri` and as `post_logout_redirect_uri`.
   */
  redirectUris?: string[]
  postLogoutRedirectUris?: string[]
  /** Defaults to `RS256`. `HS256` signs with the client secret. */
  idTokenSigningAlg?: DevIdTokenSigningAlg
  /** OIDC Back-Channel Logout 1.0 endpoint of the client. */
  backchannelLogoutUri?: string
  /** Defaults to `client_secret_basic` with a secret, `none` without. */
  tokenEndpointAuthMethod?: DevTokenEndpointAuthMethod
}

export interface DevProviderOptions {
  /** Defaults to 0: a random free port. */
  port?: number
  /** Defaults to `127.0.0.1`. */
  host?: string
  /** Defaults to `defaultUsers`. */
  users?: DevUser[]
  /** Defaults to `[defaultClient]`. */
  clients?: DevClient[]
  /** Lifetimes in seconds. Defaults: 3600, 3600, 14 days, 14 days. */
  ttl?: { accessToken?: number; idToken?: number; refreshToken?: number; session?: number }
  /**
   * Defaults to `true`: every refresh returns a new refresh token and consumes the old one;
   * presenting a consumed refresh token revokes the whole grant (every token of that login).
   */
  rotateRefreshTokens?: boolean
}

export interface DevProviderStats {
  /** Successful token-endpoint grants by `grant_type` (`authorization_code`, `refresh_token`). */
  tokenRequests: Record<string, number>
  reset(): void
}

export interface DevProvider {
  /** e.g. `http://127.0.0.1:54321`, no trailing slash. */
  readonly issuer: string
  readonly clients: DevClient[]
  readonly users: DevUser[]
  /** Takes effect at the next token issued, refresh included. */
  setGroups(userId: string, groups: string[]): void
  /** While down, every request gets `503` with a JSON body, for outage tests. */
  setDown(down: boolean): void
  readonly stats: DevProviderStats
  /**
   * Ends the user's sessions at the provider (all of them, or only the one a client knows by
   * `sessionId`, the `sid` claim of its ID token), revokes their grants, and sends a logout
   * token to every client of those sessions that has a `backchannelLogoutUri`.
   * Rejects if a client did not answer 200/204.
   */
  backchannelLogout(userId: string, sessionId?: string): Promise<void>
  /**
   * An ID token for `userId` as the provider's token endpoint would issue it (signed with
   * the provider's published key for the client's `idTokenSigningAlg`), without a login:
   * for testing services that accept ID tokens as bearer credentials.
   */
  issueIdToken(userId: string, options?: IssueIdTokenOptions): Promise<string>
  close(): Promise<void>
}

export interface IssueIdTokenOptions {
  /** Defaults to the first client. */
  clientId?: string
  /** Seconds until expiry; defaults to the provider's ID token lifetime. */
  expiresIn?: number
}
