// What an app uses: each adapter re-exports this module whole (`@oidc-rp/core/app`), so the
// names an app imports from `@oidc-rp/express`, `@oidc-rp/fastify` or `@oidc-rp/koa` are
// listed once, here. Adapter authors' names are in index.ts only.
export type { OidcContext, User, UserClaims } from './context.js'
export type { AccessToken, LoginOptions, LogoutOptions } from './context-types.js'
export type { StepUpOptions } from './authz/step-up.js'
export type { GroupArgs } from './authz/guards.js'
export type { CookieOptions, RouteOptions } from './config/options.js'
export { OidcError, isOidcError, type OidcErrorCode } from './errors.js'
export type { OidcOptions, SessionOptions, BearerOptions, Routes, Logger } from './config/options.js'
export type { ClientAuthMethod } from './config/client-credentials.js'
export { MemoryStore, type MemoryStoreOptions } from './session/memory-store.js'
export { expressSessionStore, type ExpressSessionStoreLike } from './session/express-session-store.js'
export type { SessionStore, SessionData, SessionLock } from './store.js'
export type { Claims } from './identity.js'
export {
  HookTokens,
  refuse,
  type HookRequest,
  type HookResult,
  type OnRefresh,
  type OnSignIn,
  type RefreshContext,
  type SignInContext,
} from './hooks.js'
export { SignInRefused, type ErrorAnswer, type RenderError } from './errors.js'
export type {
  BackchannelLogoutEvent,
  OidcEvent,
  OnEvent,
  RefreshedEvent,
  RefreshFailedEvent,
  SessionEndedEvent,
  SignedInEvent,
  SignedOutEvent,
  SignInRefusedEvent,
} from './events.js'
