/**
 * `returnTo` is kept only when it is a path on this app's own origin. Anything that would
 * leave it (absolute URLs, `//host`, `/\host`, `javascript:`, control characters the URL
 * parser strips) lands on `fallback`.
 */
export function safeReturnTo(value: unknown, base: URL, fallback = '/'): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.length > 2048) return fallback
  if (/[\u0000-\u001f\\]/.test(value.slice(0, 2)) || value.startsWith('//')) return fallback
  let url: URL
  try {
    url = new URL(value, base)
  } catch {
    return fallback
  }
  if (url.origin !== base.origin) return fallback
  return url.pathname + url.search + url.hash
}
