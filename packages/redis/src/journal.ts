/** What this process wrote to a session lately: enough to write it again. */
export type JournalEntry =
  { kind: 'write'; session: string[]; expiresAt: number; at: number } | { kind: 'destroy'; at: number }

/** Writes older than this are not re-applied: a failover's window is a few seconds. */
const RETAIN_MS = 15_000

/**
 * The last write of each session this process made in the last 15 s (with
 * `confirmWrites`). When the client finds itself on another master (Sentinel moved it
 * there, or the old one died), the store writes them again, each only over an older write
 * (a session's hash records when it was written) and never bringing back a session that is
 * gone: what the old master acknowledged, and even a replica of it, but the new master
 * never received (the second between the promotion of one replica and the
 * reconfiguration of the others) is not lost for as long as the process that wrote it
 * lives.
 */
export class Journal {
  readonly #entries = new Map<string, JournalEntry>()

  record(id: string, entry: JournalEntry): void {
    this.#entries.delete(id)
    this.#entries.set(id, entry)
    const old = Date.now() - RETAIN_MS
    for (const [key, value] of this.#entries) {
      if (value.at >= old) break
      this.#entries.delete(key)
    }
  }

  /** The entries still worth re-applying, oldest first. */
  recent(): Array<[string, JournalEntry]> {
    const old = Date.now() - RETAIN_MS
    return [...this.#entries].filter(([, entry]) => entry.at >= old)
  }
}
