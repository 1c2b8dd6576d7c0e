/**
 * Holds back oidc-provider's "Unsupported runtime" line while it loads (see
 * oidc-provider.ts, which imports this module first and calls `restore()` once
 * oidc-provider is evaluated). A module, not top-level await: require() of this package
 * must keep working.
 */
const warn = console.warn
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return
  warn(...args)
}

export function restore(): void {
  console.warn = warn
}
