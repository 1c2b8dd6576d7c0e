// What apps use (listed in app.ts; each adapter re-exports it whole).
export * from './app.js'

// What adapter authors use: the relying party, the neutral request and response, the guards.
export { RelyingParty, type HandleResult } from './relying-party.js'
export { OidcContext } from './context.js'
export type { Route } from './routes/table.js'
export type { HttpRequest, HttpResponse, SetCookie } from './http/types.js'
export { authorize, guards, type Guards, type Requirement } from './authz/guards.js'
