import { now, type SessionBackend } from './backend.js'

/** A credential that a logout can revoke: the keys it is known by and when it was issued. */
export interface Revocable {
  readonly revocationKeys: readonly string[]
  /** Epoch seconds. */
  readonly issuedAt: number
}

/**
 * Whether a revocation applies: one recorded at or after the credential was issued, give
 * or take the clock tolerance (the provider's clock stamped `iat`, ours the revocation).
 */
function applies(revokedAt: number | null | undefined, credential: Revocable, clockTolerance: number): boolean {
  return typeof revokedAt === 'number' && credential.issuedAt <= revokedAt + clockTolerance
}

/** What this process can tell at once: revoked, not revoked, or undefined (ask the store). */
export function peekRevoked(
  sessions: SessionBackend,
  credential: Revocable,
  clockTolerance: number,
): boolean | undefined {
  let unknown = false
  for (const key of credential.revocationKeys) {
    const at = sessions.peekRevokedAt(key)
    if (at === undefined) unknown = true
    else if (applies(at, credential, clockTolerance)) return true
  }
  return unknown ? undefined : false
}

export async function isRevoked(
  sessions: SessionBackend,
  credential: Revocable,
  clockTolerance: number,
): Promise<boolean> {
  const known = peekRevoked(sessions, credential, clockTolerance)
  if (known !== undefined) return known
  const times = await Promise.all(credential.revocationKeys.map((key) => sessions.revokedAt(key)))
  return times.some((at) => applies(at, credential, clockTolerance))
}

/** With bearer tokens on, those issued for an ended session (`sid:`), user (`sub:`) or token (`tok:`) are refused from now on, by every process sharing the store. */
export async function revokeBearers(
  config: { bearer: { enabled: boolean }; absoluteTimeout: number },
  sessions: SessionBackend,
  key: string,
): Promise<void> {
  if (config.bearer.enabled) await sessions.revoke(key, now(), config.absoluteTimeout)
}
