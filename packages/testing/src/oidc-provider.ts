/**
 * oidc-provider, loaded without its "Unsupported runtime" warning: it asks for Node 22 LTS
 * and prints that line on every start under Node 20, which this package supports and tests
 * (≥ 20.19). Only that one line is held back, only while the module loads.
 */
const warn = console.warn
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return
  warn(...args)
}
const loaded = await import('oidc-provider').finally(() => {
  console.warn = warn
})

export const Provider = loaded.Provider
export type Provider = import('oidc-provider').Provider
export const errors = loaded.errors
