import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const here = new URL('..', import.meta.url).pathname
const options = `{ issuer: 'https://id.example.com', clientId: 'c', baseURL: 'https://app.example.com', secret: 'x'.repeat(32) }`

/** How each adapter is mounted, and how a bad configuration surfaces, in a CommonJS app. */
const mounts: Record<string, string> = {
  '@oidc-rp/express': `
    const app = require('express')()
    app.use(adapter.oidc(${options}))
    try { adapter.oidc({}) } catch (err) { refused = err.code }`,
  '@oidc-rp/fastify': `
    const app = require('fastify')()
    await app.register(adapter.oidc, ${options})
    await app.ready()
    const other = require('fastify')()
    await other.register(adapter.oidc, {}).ready().catch((err) => { refused = err.code })`,
  '@oidc-rp/koa': `
    const app = new (require('koa'))()
    app.use(adapter.oidc(${options}))
    try { adapter.oidc({}) } catch (err) { refused = err.code }`,
}

describe('CommonJS apps', () => {
  it.each(Object.keys(mounts))('can require(%s) on Node >= 20.19', (name) => {
    // A .cjs file inside the test package, so that require() resolves the workspace packages.
    const dir = mkdtempSync(join(here, 'node_modules', '.cjs-'))
    const file = join(dir, 'app.cjs')
    writeFileSync(
      file,
      `
      const adapter = require(${JSON.stringify(name)})
      ;(async () => {
        let refused = ''
        ${mounts[name]}
        console.log(JSON.stringify({ oidc: typeof adapter.oidc, guard: typeof adapter.requireGroup('admins'), refused, error: typeof adapter.OidcError }))
      })()
    `,
    )
    const env = { ...process.env }
    for (const key of Object.keys(env)) if (key.startsWith('OIDC_')) delete env[key]
    const out: unknown = JSON.parse(
      execFileSync(process.execPath, [file], { env, encoding: 'utf8' }).trim().split('\n').pop()!,
    )
    expect(out).toEqual({ oidc: 'function', guard: 'function', refused: 'invalid_options', error: 'function' })
  })
})
