/**
 * The packages as users get them: `pnpm pack` of each, installed with npm into fresh apps
 * outside the monorepo (their other dependencies from the registry), each app signing in
 * to the dev provider of the packed @oidc-rp/testing. Express 5 as ESM, Express 4 as
 * CommonJS (`require`), Fastify in strict TypeScript compiled with `nodenext` and checked
 * with `bundler` resolution, Koa with @koa/router.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = new URL('../../', import.meta.url).pathname
const PACKAGES = ['core', 'express', 'fastify', 'koa', 'testing']
let work: string
let tarballs: Record<string, string>

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'oidc-rp-install-'))
  const packs = join(work, 'packs')
  // Packed from the dist that `pnpm test` built: prepack would rebuild it under the feet of
  // the suites running beside this one.
  const env = { ...process.env, npm_config_ignore_scripts: 'true' }
  for (const name of PACKAGES)
    await run('pnpm', ['pack', '--pack-destination', packs], { cwd: join(root, 'packages', name), env })
  const files = await readdir(packs)
  tarballs = Object.fromEntries(
    PACKAGES.map((name) => [
      name,
      join(
        packs,
        files.find((f) => f.startsWith(`oidc-rp-${name}-`))!,
      ),
    ]),
  )
}, 120_000)
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

/** The sign-in every app runs against its own dev provider, printing the status of /admin. */
function signInScript(start: string): string {
  return `
const provider = await startDevProvider({ clients: [{ clientId: 'app', clientSecret: 'app-secret-0123456789-0123456789', redirectUris: [base + '/callback'] }] })
const options = { issuer: provider.issuer, clientId: 'app', clientSecret: 'app-secret-0123456789-0123456789', baseURL: base, secret: 'cookie-secret-0123456789-0123456789', authRequired: false }
${start}
const { cookie } = await signIn(base, 'alice')
const admin = await fetch(base + '/admin', { headers: { cookie } })
const anonymous = await fetch(base + '/admin', { headers: { accept: 'application/json' } })
console.log(JSON.stringify({ admin: admin.status, body: await admin.json(), anonymous: anonymous.status }))
await provider.close()
process.exit(0)
`
}

async function app(
  name: string,
  manifest: Record<string, unknown>,
  files: Record<string, string>,
  packages: string[],
  extra: string[],
): Promise<string> {
  const dir = join(work, name)
  await run('mkdir', ['-p', dir])
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, private: true, ...manifest }))
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text)
  await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--loglevel=error', ...packages.map((p) => tarballs[p]), ...extra],
    { cwd: dir, timeout: 120_000 },
  )
  return dir
}

interface Outcome {
  admin: number
  body: unknown
  anonymous: number
}

async function node(dir: string, file: string): Promise<Outcome> {
  const { stdout } = await run(process.execPath, [file], { cwd: dir, timeout: 60_000 })
  return JSON.parse(stdout.trim().split('\n').pop()!) as Outcome
}

const expected = { admin: 200, body: { ok: true, sub: 'alice' }, anonymous: 401 }

describe('the packed packages, installed into fresh apps', () => {
  it('Express 5, ESM', async () => {
    const dir = await app(
      'express5-esm',
      { type: 'module' },
      {
        'app.js': `import express from 'express'
import { oidc, requireGroup } from '@oidc-rp/express'
import { startDevProvider, signIn } from '@oidc-rp/testing'
const server = express().listen(0, '127.0.0.1')
await new Promise((resolve) => server.once('listening', resolve))
const base = 'http://127.0.0.1:' + server.address().port
${signInScript(`const app = server.listeners('request')[0]
app.use(oidc(options))
app.get('/admin', requireGroup('admins'), (req, res) => res.json({ ok: true, sub: req.oidc.user.sub }))`)}`,
      },
      ['core', 'express', 'testing'],
      ['express@5'],
    )
    expect(await node(dir, 'app.js')).toEqual(expected)
  }, 180_000)

  it('Express 4, CommonJS with require(), and TypeScript on module commonjs', async () => {
    const dir = await app(
      'express4-cjs',
      { type: 'commonjs' },
      {
        'app.js': `const express = require('express')
const { oidc, requireGroup } = require('@oidc-rp/express')
const { startDevProvider, signIn } = require('@oidc-rp/testing')
async function main() {
  const app = express()
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const base = 'http://127.0.0.1:' + server.address().port
  ${signInScript(`app.use(oidc(options))
app.get('/admin', requireGroup('admins'), (req, res) => res.json({ ok: true, sub: req.oidc.user.sub }))`)}
}
main()`,
        // TypeScript on module commonjs (node10 resolution, which reads only top-level "types").
        // The names from @oidc-rp/core's app list come through the adapter.
        'check.ts': `import { isOidcError, oidc, requireGroup, type OidcOptions } from '@oidc-rp/express'\nconst options: OidcOptions = { authRequired: false }\nconst handlers: unknown[] = [oidc(options), requireGroup('admins'), isOidcError]\nexport default handlers\n`,
        'tsconfig.json': JSON.stringify({
          compilerOptions: {
            strict: true,
            module: 'commonjs',
            moduleResolution: 'node10',
            target: 'es2022',
            skipLibCheck: false,
            noEmit: true,
            types: ['node'],
          },
          include: ['check.ts'],
        }),
      },
      ['core', 'express', 'testing'],
      ['express@4', '@types/express@4', 'typescript@~5.9', '@types/node@20'],
    )
    await run('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: dir })
    expect(await node(dir, 'app.js')).toEqual(expected)
  }, 180_000)

  it('Fastify, strict TypeScript: compiled with nodenext, checked with bundler resolution', async () => {
    const source = `import Fastify from 'fastify'
import { createServer } from 'node:net'
import { oidc, requireGroup } from '@oidc-rp/fastify'
import { startDevProvider, signIn } from '@oidc-rp/testing'
// The plugin needs its base URL when registered, before Fastify listens: pick a free port first.
const probe = createServer().listen(0, '127.0.0.1')
await new Promise((resolve) => probe.once('listening', resolve))
const address = probe.address()
const port = typeof address === 'object' && address !== null ? address.port : 0
await new Promise((resolve) => probe.close(resolve))
const base = 'http://127.0.0.1:' + port
const app = Fastify()
${signInScript(`await app.register(oidc, options)
app.get('/admin', { preHandler: requireGroup('admins') }, async (request) => ({ ok: true, sub: request.oidc.user?.sub }))
await app.listen({ port, host: '127.0.0.1' })`)}`
    const config = (resolution: string, module: string) =>
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module,
          moduleResolution: resolution,
          target: 'es2022',
          skipLibCheck: false,
          outDir: 'dist',
          types: ['node'],
        },
        include: ['app.ts'],
      })
    const dir = await app(
      'fastify-ts',
      { type: 'module' },
      {
        'app.ts': source,
        'tsconfig.json': config('nodenext', 'nodenext'),
        'tsconfig.bundler.json': config('bundler', 'esnext'),
      },
      ['core', 'fastify', 'testing'],
      ['fastify@5', 'typescript@~5.9', '@types/node@20'],
    )
    await run('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: dir })
    await run('npx', ['tsc', '-p', 'tsconfig.bundler.json', '--noEmit'], { cwd: dir })
    expect(await node(dir, 'dist/app.js')).toEqual(expected)
  }, 240_000)

  it('Koa with @koa/router', async () => {
    const dir = await app(
      'koa-router',
      { type: 'module' },
      {
        'app.js': `import Koa from 'koa'
import Router from '@koa/router'
import { oidc, requireGroup } from '@oidc-rp/koa'
import { startDevProvider, signIn } from '@oidc-rp/testing'
const app = new Koa()
const server = app.listen(0, '127.0.0.1')
await new Promise((resolve) => server.once('listening', resolve))
const base = 'http://127.0.0.1:' + server.address().port
${signInScript(`const router = new Router()
app.use(oidc(options))
router.get('/admin', requireGroup('admins'), (ctx) => { ctx.body = { ok: true, sub: ctx.state.oidc.user.sub } })
app.use(router.routes()).use(router.allowedMethods())`)}`,
      },
      ['core', 'koa', 'testing'],
      ['koa@3', '@koa/router@14'],
    )
    expect(await node(dir, 'app.js')).toEqual(expected)
  }, 180_000)
})
