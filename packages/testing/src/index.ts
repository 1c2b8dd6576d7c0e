export type {
  DevClient,
  DevIdTokenSigningAlg,
  DevProvider,
  DevProviderOptions,
  DevProviderStats,
  DevTokenEndpointAuthMethod,
  DevUser,
  IssueIdTokenOptions,
} from './types.js'
export { defaultUsers } from './users.js'
export { defaultClient } from './clients.js'
export { startDevProvider } from './provider.js'
export { signIn, SignInError } from './sign-in.js'
export type { SignInOptions, SignInResult } from './sign-in.js'
