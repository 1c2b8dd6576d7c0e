import { it } from 'vitest'
import { startDevProvider } from '../src/index.js'
import { authorize, hop } from './helpers.js'
it('dbg', async () => {
  const p = await startDevProvider()
  const first = await authorize(p, { user: 'bob' })
  console.log('first ok')
  const url = new URL(`${p.issuer}/auth`)
  url.search = new URLSearchParams({ client_id: 'oidc-rp-dev', response_type: 'code', scope: 'openid', redirect_uri: 'http://127.0.0.1:9/callback', state: 's', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', prompt: 'login' }).toString()
  let s = await hop(first.jar, url)
  for (let i = 0; i < 6; i++) { console.log(s.status, s.location, s.status === 200 ? s.text.slice(s.text.indexOf('<main>'), s.text.indexOf('<main>') + 300) : ''); if (!s.location) break; s = await hop(first.jar, s.location) }
  const page = s
  s = await hop(first.jar, `${url.href.split('/auth')[0]}${new URL(page.text.match(/action="([^"]+)"/)![1], p.issuer).pathname}`, { user: 'carol' })
  for (let i = 0; i < 6; i++) { console.log('B', s.status, s.location, s.status !== 303 ? s.text.slice(0, 1500) : ''); if (!s.location || s.location.startsWith('http://127.0.0.1:9/')) break; s = await hop(first.jar, s.location) }
  await p.close()
})
