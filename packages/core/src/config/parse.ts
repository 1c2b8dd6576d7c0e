/** Reading option values from `OIDC_*` variables, and the way a check reports a problem. */

export type Env = Record<string, string | undefined>

/** Records a problem with an option (and its variable), for the one error that reports them all. */
export type Problem = (option: string, variable: string | undefined, message: string) => void

export function parseBoolean(raw: string | undefined): boolean | undefined | 'invalid' {
  if (raw === undefined || raw === '') return undefined
  if (/^(1|true|yes|on)$/i.test(raw)) return true
  if (/^(0|false|no|off)$/i.test(raw)) return false
  return 'invalid'
}

export function parseNumber(raw: string | undefined): number | undefined {
  return raw === undefined || raw === '' ? undefined : Number(raw)
}

export function parseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw)
  } catch {
    return undefined
  }
}
