/** Characters of a `returnTo` path once normalised and percent-encoded; longer ones land on the fallback. */
export const MAX_RETURN_TO = 1024

/**
 * `returnTo` is kept only when it is a path on this app's own origin. The decision is made
 * on the *normalised* path, as a browser will read it from `Location`: the URL parser
 * resolves dot segments (`/.//host`, `/%2e%2e//host`, `/a/..//host`), turns `\` into `/` and
 * strips tabs and newlines, so a value that looked like a path can come out as `//host`,
 * which a browser follows to another site. Anything that would leave the origin, or does
 * not fit in the login-transaction cookie once encoded, lands on `fallback`.
 */
export function safeReturnTo(value: unknown, base: URL, fallback = '/'): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.length > MAX_RETURN_TO) return fallback
  let url: URL
  try {
    url = new URL(value, base)
  } catch {
    return fallback
  }
  const path = url.pathname + url.search + url.hash
  return url.origin === base.origin && isLocalPath(path, base) && path.length <= MAX_RETURN_TO ? path : fallback
}

/**
 * A path-absolute reference that stays on `base`'s origin however it is resolved: one
 * leading `/` and no second one or backslash after it, and resolving it again changes
 * nothing. Checked where a path is stored and again where it is sent as `Location`.
 */
export function isLocalPath(path: string, base: URL): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (!path.startsWith('/') || path[1] === '/' || path[1] === '\\' || /[\u0000-\u001f\u007f]/.test(path)) return false
  try {
    const url = new URL(path, base)
    return url.origin === base.origin && url.pathname + url.search + url.hash === path
  } catch {
    return false
  }
}
