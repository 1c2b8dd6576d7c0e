// A minimal issuer for the uncached-bearer row: a discovery document and a JWKS on
// loopback, and an RS256 key the bench holds, so that it can mint as many distinct,
// valid ID tokens as the row needs (a real provider would need one refresh per token).
// The tokens copy the claims of a real ID token from the dev provider.
import { createServer } from 'node:http'
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import { serveParent } from './child.mjs'

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const kid = randomBytes(8).toString('base64url')
const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }

const server = createServer((req, res) => {
  const path = req.url.split('?')[0]
  const body =
    path === '/.well-known/openid-configuration' ? metadata() : path === '/jwks' ? { keys: [jwk] } : undefined
  if (!body) return res.writeHead(404).end()
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
})
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const issuer = `http://127.0.0.1:${server.address().port}`

function metadata() {
  return {
    issuer,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
  }
}

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** `count` distinct ID tokens with `claims` (a real token's), re-issued by this issuer for `audience`. */
function mint({ count, claims, audience }) {
  const header = b64({ alg: 'RS256', typ: 'JWT', kid })
  const t = Math.floor(Date.now() / 1000)
  const tokens = []
  for (let i = 0; i < count; i++) {
    const payload = {
      ...claims,
      iss: issuer,
      aud: audience,
      iat: t,
      exp: t + 3600,
      jti: randomBytes(12).toString('base64url'),
    }
    const input = `${header}.${b64(payload)}`
    tokens.push(`${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`)
  }
  return tokens
}

serveParent({ mint, close: () => new Promise((resolve) => server.close(resolve)) }, { issuer })
