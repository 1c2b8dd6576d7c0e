/**
 * Plain HTTP for tests: a GET that does not follow redirects (what an API client or a
 * browser's first hop sees), and a server on a free loopback port, closed with its
 * connections.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Answer {
  status: number
  location: string | null
  retryAfter: string | null
  /** The `WWW-Authenticate` header. */
  challenge: string | null
  setCookie: string[]
  body: string
}

/**
 * GET `url` as an API client (Accept: application/json) or, with `accept: 'text/html'`, as a
 * browser navigation; redirects are not followed. `send`: the Cookie header (none when empty),
 * or the headers to send, e.g. `{ authorization }`.
 */
export async function get(
  url: string,
  send?: string | Record<string, string>,
  accept = 'application/json',
): Promise<Answer> {
  const headers = typeof send === 'string' ? (send ? { cookie: send } : {}) : send
  const response = await fetch(url, { redirect: 'manual', headers: { accept, ...headers } })
  return {
    status: response.status,
    location: response.headers.get('location'),
    retryAfter: response.headers.get('retry-after'),
    challenge: response.headers.get('www-authenticate'),
    setCookie: response.headers.getSetCookie(),
    body: await response.text(),
  }
}

/** Listens on a free port of 127.0.0.1: the server's origin, e.g. http://127.0.0.1:41234. */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return `http://127.0.0.1:${port}`
}

/** Closes the server and every connection it has, idle or not. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
    server.closeAllConnections()
  })
}
