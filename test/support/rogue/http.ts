import type { IncomingMessage, ServerResponse } from 'node:http'

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' }

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (typeof body === 'string') {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...NO_STORE, ...headers }).end(body)
    return
  }
  res.writeHead(status, { 'content-type': 'application/json', ...NO_STORE, ...headers }).end(JSON.stringify(body))
}

export function redirect(res: ServerResponse, location: URL | string): void {
  res.writeHead(302, { location: String(location), ...NO_STORE }).end()
}

export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)))
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')
  return match?.[1]
}
