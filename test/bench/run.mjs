// `pnpm bench`: the benchmarks of issue 6. Every app runs in its own process on loopback;
// autocannon runs here. Each figure is a ratio against a baseline measured in the same
// run, interleaved with it. Prints one table and writes results/latest.json and .md.
// Settings (environment): see README.md in this folder.
import { mkdir, writeFile } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import { fileURLToPath } from 'node:url'
import { signIn } from '@oidc-rp/testing'
import { startChild } from './lib/child.mjs'
import { compare, measureBlock, median, percentile, undecided } from './lib/load.mjs'
import { startRedis } from './lib/redis.mjs'
import { renderMarkdown, renderTable } from './lib/report.mjs'
import { soak, soakRows, soakSettings } from './lib/soak.mjs'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))
const num = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`${name} must be a non-negative number`)
  return value
}
const settings = {
  seconds: num('BENCH_SECONDS', 8),
  maxSeconds: num('BENCH_MAX_SECONDS', 30),
  // autocannon runs for whole seconds.
  segment: Math.max(1, Math.round(num('BENCH_SEGMENT', 1))),
  warmup: num('BENCH_WARMUP', 1),
  connections: Math.max(1, Math.round(num('BENCH_CONNECTIONS', 10))),
  sessions: Math.max(10, Math.round(num('BENCH_SESSIONS', 100_000))),
  logins: Math.max(1, Math.round(num('BENCH_LOGINS', 20))),
  stormSessions: Math.max(1, Math.round(num('BENCH_STORM_SESSIONS', 5))),
  stormConcurrency: Math.max(1, Math.round(num('BENCH_STORM_CONCURRENCY', 200))),
  stormTtl: Math.max(2, Math.round(num('BENCH_STORM_TTL', 6))),
  bearerTokens: Math.max(1000, Math.round(num('BENCH_BEARER_TOKENS', 20_000))),
  only: process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((s) => s.trim())) : undefined,
  profile: process.env.BENCH_PROFILE ? process.env.BENCH_PROFILE.split(',').map((s) => s.trim()) : [],
  soak: soakSettings(),
}
const SECTIONS = ['throughput', 'eoc', 'group', 'bearer', 'storm', 'memory', 'login', 'soak']
if (settings.only)
  for (const s of settings.only)
    if (!SECTIONS.includes(s))
      throw new TypeError(`BENCH_ONLY: unknown section "${s}" (sections: ${SECTIONS.join(', ')})`)
// The soak (5 minutes) runs only when asked for: BENCH_ONLY=soak, or `pnpm soak`.
const wanted = (section) => (settings.only ? settings.only.has(section) : section !== 'soak')

const resultsDir = here('./results/')
const profileDir = here('./results/profiles/')
const CLIENT = { clientId: 'oidc-rp-bench', clientSecret: 'oidc-rp-bench-secret-0123456789abcdefghijklmnop' }
const SECRET = 'bench-cookie-secret-0123456789abcdefghijklmnopqrstuvwxyz'
const FRAMEWORKS = ['express', 'fastify', 'koa']
const NAMES = { express: 'Express', fastify: 'Fastify', koa: 'Koa', eoc: 'express-openid-connect' }

const log = (message) => console.log(message)
const children = []
let redis
const rows = []
const details = {}

async function child(script, config, name, execArgv = []) {
  const label = name.replace(/[^\w.-]+/g, '_')
  if (settings.profile.some((p) => p === 'all' || name.startsWith(p))) {
    await mkdir(profileDir, { recursive: true })
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${label}.${Date.now()}.cpuprofile`)
  }
  const handle = await startChild(here(script), config, { name, execArgv })
  children.push(handle)
  return handle
}

const server = (framework, store, extra = {}) =>
  child(
    './lib/server-process.mjs',
    { framework, store, clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, secret: SECRET, ...extra },
    `${framework}-${store}${extra.tag ? `-${extra.tag}` : ''}`,
  )

/** GET with a fresh connection per request (the storm opens them all at once). */
function get(url, headers, agent) {
  return new Promise((resolve) => {
    const req = request(url, { headers: { accept: 'application/json', ...headers }, agent }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode, body }))
    })
    req.on('error', (err) => resolve({ status: 0, body: err.message }))
    req.end()
  })
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const fmt = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a')
const verdict = (ok) => (ok ? 'PASS' : 'MISS')

function row(section, name, figure, target, result, data = {}) {
  rows.push({ section, name, figure, target, result, ...data })
  log(`  → ${name}: ${figure}   [${target}] ${result}`)
}

/** A throughput row: candidate vs baseline, req/s and p99 ratios. */
function ratioRow(section, name, candidate, baseline, { min, target, info = false, note = '', sameBytes = true }) {
  const c = compare(candidate, baseline, { sameBytes })
  const failed = candidate.failures > 0 || baseline.failures > 0
  const figure = `${fmt(c.rps)}× req/s (±${fmt(c.noise * 100, 0)}%), ${fmt(c.p99)}× p99; CPU/request predicts ${fmt(c.cpu)}× (±${fmt(c.cpuNoise * 100, 0)}%); ${c.perRound.length} rounds (${Math.round(candidate.rps)} vs ${Math.round(baseline.rps)} req/s; p99 ${fmt(candidate.p99)} vs ${fmt(baseline.p99)} ms; user CPU ${fmt(candidate.userUs, 1)} vs ${fmt(baseline.userUs, 1)} µs, system ${fmt(candidate.systemUs, 0)} vs ${fmt(baseline.systemUs, 0)} µs)${note}`
  // PASS needs both: the measured req/s ratio and the one the server's CPU time predicts.
  const misses = [c.rps >= min ? '' : 'req/s', c.cpu >= min ? '' : 'CPU'].filter(Boolean)
  const result = failed
    ? 'ERROR (non-2xx responses)'
    : info
      ? 'info'
      : misses.length === 0
        ? 'PASS'
        : `MISS (${misses.join(', ')})`
  row(section, name, figure, target, result, {
    ratio: c.rps,
    cpuRatio: c.cpu,
    p99Ratio: c.p99,
    noise: c.noise,
    cpuNoise: c.cpuNoise,
    perRound: c.perRound,
    candidate,
    baseline,
  })
}

/**
 * Options for a block with targets: after `BENCH_SECONDS`, rounds go on (up to
 * `BENCH_MAX_SECONDS`) while any of `checks` ([candidate, baseline, min, compare options])
 * is within its noise of its target.
 */
function until(checks) {
  return {
    ...settings,
    log,
    undecided: (r) =>
      checks.some(
        ([candidate, baseline, min, options]) =>
          r[candidate] && undecided(compare(r[candidate], r[baseline], options), min),
      ),
  }
}

// ---- set-up ----------------------------------------------------------------------------

/** Signs alice in to the app (or to the express-openid-connect app served beside it, `/eoc`). */
async function signInTo(app, what, mount = '') {
  const url = app.url + mount
  const { cookie } = await signIn(url, 'alice')
  const me = await get(`${url}/me`, { cookie })
  if (me.status !== 200) throw new Error(`${what}: /me answered ${me.status} after sign-in: ${me.body.slice(0, 200)}`)
  await app.call('setPublicBody', { body: JSON.parse(me.body), eoc: mount === '/eoc' })
  const anon = await get(`${url}/me`, { cookie: anonymous(cookie) })
  if (anon.status === 200) throw new Error(`${what}: the anonymous visitor's Cookie header still signs in`)
  for (const path of ['/public', '/open']) {
    const other = await get(`${url}${path}`, { cookie: anonymous(cookie) })
    if (other.body !== me.body) throw new Error(`${what}: ${path} and /me do not answer the same body`)
  }
  return cookie
}

/** The same Cookie header, as long, with names the app does not know (first letter replaced): an anonymous visitor. */
function anonymous(cookie) {
  const renamed = cookie
    .split('; ')
    .map((c) => `${c[0] === 'x' ? 'y' : 'x'}${c.slice(1)}`)
    .join('; ')
  if (renamed.length !== cookie.length) throw new Error('anonymous(): the header changed length')
  return renamed
}

async function main() {
  const started = Date.now()
  log(
    `oidc-rp benchmarks — Node ${process.version}, ${settings.connections} connections, ${settings.seconds} s per route in interleaved ${settings.segment} s rounds (+${settings.warmup} s warm-up)`,
  )
  const needsRedis = wanted('throughput') || wanted('storm') || wanted('soak')
  redis = needsRedis ? await startRedis() : undefined
  const provider = await child('./lib/provider-process.mjs', { clients: [CLIENT] }, 'provider')
  log(`dev provider ${provider.issuer}${redis ? `, redis ${redis.url}` : ''}`)

  const apps = {}
  const cookies = {}
  const stores = wanted('throughput') ? ['memory', 'redis'] : ['memory']
  const frameworks =
    wanted('throughput') || wanted('group') || wanted('bearer') || wanted('login') ? FRAMEWORKS : ['express']
  for (const framework of frameworks) {
    for (const store of stores) {
      const key = `${framework}-${store}`
      apps[key] = await server(framework, store, { issuer: provider.issuer, redisUrl: redis?.url })
      cookies[key] = await signInTo(apps[key], key)
    }
  }
  if (wanted('login')) {
    apps.eoc = await server('eoc', 'cookie', { issuer: provider.issuer })
    cookies.eoc = await signInTo(apps.eoc, 'express-openid-connect')
  }
  if (wanted('eoc')) {
    // Both middlewares in one process (express-openid-connect's app under /eoc), so that
    // neither gets a faster process than the other.
    apps.pair = await server('express', 'memory', { issuer: provider.issuer, besideEoc: true, tag: 'eoc' })
    cookies.pair = await signInTo(apps.pair, 'Express beside express-openid-connect')
    cookies.pairEoc = await signInTo(apps.pair, 'express-openid-connect beside oidc-rp', '/eoc')
  }
  const sample = JSON.parse(
    (await get(`${apps['express-memory'].url}/__bench/session`, { cookie: cookies['express-memory'] })).body,
  )

  // Bearer: supported when alice's ID token alone gets her /me.
  const bearerProbe = await get(`${apps['express-memory'].url}/me`, { authorization: `Bearer ${sample.idToken}` })
  const bearer = bearerProbe.status === 200
  log(`bearer tokens: ${bearer ? 'supported' : `not supported yet (probe answered ${bearerProbe.status})`}`)
  let minting
  if (bearer && wanted('bearer')) {
    const issuer = await child('./lib/issuer-process.mjs', {}, 'issuer')
    apps['express-bearer'] = await server('express', 'memory', { issuer: issuer.issuer, tag: 'bearer' })
    // Minted while the refresh storm runs (which times nothing).
    minting = issuer.call('mint', {
      count: settings.bearerTokens + 2,
      claims: sample.session.claims,
      audience: CLIENT.clientId,
    })
  }

  if (wanted('storm')) await refreshStorms()
  // Nothing is timed while tokens are minted (RS256 signing would take a core).
  const tokens = await minting
  if (wanted('throughput') || wanted('group') || wanted('bearer'))
    await throughput(apps, cookies, sample, bearer, tokens)
  if (wanted('eoc')) await versusEoc(apps, cookies)
  if (wanted('login')) await login(apps)
  if (wanted('memory')) await memory(sample.session)
  if (wanted('soak')) await soakSection()

  for (const handle of children.reverse()) await handle.stop()
  await redis?.stop()
  await report(started)
}

// ---- 1 & 3: throughput -----------------------------------------------------------------
//
// The baseline of every row is the same app's unprotected route, behind the middleware
// like every route of the app, requested by an anonymous visitor whose Cookie header is
// as long as the signed-in one's (/open). The cost of the middleware against the app
// without it (/public, registered before it) is reported as well.

async function throughput(apps, cookies, sample, bearer, tokens) {
  for (const framework of FRAMEWORKS) {
    const key = `${framework}-memory`
    const app = apps[key]
    if (!app) continue
    // Every request carries the same headers, read or not: a session cookie (alice's, or
    // the anonymous one) and alice's ID token (as a bearer token, or in a header the app
    // does not read), so that all of them send the same bytes.
    const token = `Bearer ${sample.idToken}`
    const signedIn = { cookie: cookies[key], 'x-authorization': token }
    const targets = {
      unprotected: {
        server: app,
        url: app.url,
        path: '/open',
        headers: { cookie: anonymous(cookies[key]), 'x-authorization': token },
      },
      requiresAuth: { server: app, url: app.url, path: '/me', headers: signedIn },
    }
    if (wanted('throughput')) targets.withoutOidc = { server: app, url: app.url, path: '/public', headers: signedIn }
    if (wanted('group')) targets.requireGroup = { server: app, url: app.url, path: '/group', headers: signedIn }
    if (wanted('bearer') && bearer)
      targets.bearerCached = {
        server: app,
        url: app.url,
        path: '/me',
        headers: { cookie: anonymous(cookies[key]), authorization: token },
      }
    log(`\n${NAMES[framework]}, memory store`)
    const r = await measureBlock(
      targets,
      until([
        ['requiresAuth', 'unprotected', 0.9],
        ['bearerCached', 'unprotected', 0.85],
      ]),
    )
    details[key] = r
    const name = NAMES[framework]
    if (wanted('throughput')) {
      ratioRow('1. authenticated', `${name} requiresAuth / unprotected, memory store`, r.requiresAuth, r.unprotected, {
        min: 0.9,
        target: '≥ 0.90',
      })
      ratioRow(
        '1. authenticated',
        `${name} requiresAuth / app without oidc-rp, memory store`,
        r.requiresAuth,
        r.withoutOidc,
        { info: true, target: 'reported (no target)' },
      )
    }
    if (r.requireGroup) {
      const c = compare(r.requireGroup, r.requiresAuth)
      row(
        '3. guards',
        `${name} requireGroup / requiresAuth`,
        `${fmt(c.rps)}× req/s (noise ±${fmt(c.noise * 100, 0)}%), ${fmt(c.p99)}× p99; CPU/request predicts ${fmt(c.cpu)}×; requireGroup / unprotected ${fmt(compare(r.requireGroup, r.unprotected).rps)}×`,
        '≥ 1 − noise',
        r.requireGroup.failures ? 'ERROR (non-2xx responses)' : verdict(c.rps >= 1 - c.noise && c.cpu >= 1 - c.noise),
        {
          ratio: c.rps,
          cpuRatio: c.cpu,
          noise: c.noise,
          perRound: c.perRound,
          candidate: r.requireGroup,
          baseline: r.requiresAuth,
        },
      )
    }
    if (wanted('bearer')) {
      if (r.bearerCached)
        ratioRow('3. bearer', `${name} bearer, cached / unprotected`, r.bearerCached, r.unprotected, {
          min: 0.85,
          target: '≥ 0.85',
        })
      else row('3. bearer', `${name} bearer, cached / unprotected`, 'n/a (bearer not supported yet)', '≥ 0.85', 'n/a')
    }
  }
  if (wanted('bearer')) {
    if (bearer && tokens) {
      const app = apps['express-bearer']
      const probe = await get(`${app.url}/me`, { authorization: `Bearer ${tokens[0]}` })
      if (probe.status !== 200) {
        row(
          '3. bearer',
          'Express bearer, uncached / unprotected',
          `n/a (a minted token was refused: ${probe.status} ${probe.body.slice(0, 120)})`,
          'reported (no target)',
          'ERROR',
        )
      } else {
        await app.call('setPublicBody', { body: JSON.parse(probe.body) })
        // Each request carries a token never seen before (the verifier caches by token); the
        // baseline request carries one too, in a header the app does not read.
        const pool = { list: tokens.slice(2), next: 0 }
        const warmupAmount = Math.min(2000, Math.floor(pool.list.length / 5))
        const measured = pool.list.length - warmupAmount
        const targets = {
          unprotected: {
            server: app,
            url: app.url,
            path: '/open',
            tokens: { list: [tokens[1]], next: 0, header: 'x-authorization' },
          },
          bearerUncached: { server: app, url: app.url, path: '/me', tokens: pool, amount: measured, warmupAmount },
        }
        log(`\nExpress, bearer tokens never seen before (${measured} tokens)`)
        const r = await measureBlock(targets, { ...settings, log })
        details['express-bearer'] = r
        ratioRow('3. bearer', 'Express bearer, uncached / unprotected', r.bearerUncached, r.unprotected, {
          info: true,
          target: 'reported (no target)',
          note: `; ${measured} distinct RS256 tokens`,
        })
      }
    } else {
      row(
        '3. bearer',
        'Express bearer, uncached / unprotected',
        'n/a (bearer not supported yet)',
        'reported (no target)',
        'n/a',
      )
    }
  }
  if (!wanted('throughput')) return
  for (const framework of FRAMEWORKS) {
    const key = `${framework}-redis`
    const app = apps[key]
    log(`\n${NAMES[framework]}, Redis store`)
    const r = await measureBlock(
      {
        unprotected: { server: app, url: app.url, path: '/open', headers: { cookie: anonymous(cookies[key]) } },
        requiresAuth: { server: app, url: app.url, path: '/me', headers: { cookie: cookies[key] } },
      },
      until([['requiresAuth', 'unprotected', 0.7]]),
    )
    details[key] = r
    ratioRow(
      '1. authenticated',
      `${NAMES[framework]} requiresAuth / unprotected, Redis store`,
      r.requiresAuth,
      r.unprotected,
      { min: 0.7, target: '≥ 0.70' },
    )
  }
}

// ---- 2: against express-openid-connect -------------------------------------------------

async function versusEoc(apps, cookies) {
  const pair = apps.pair
  const at = (path, cookie) => ({ server: pair, url: pair.url, path, headers: { cookie } })
  log('\nExpress: oidc-rp vs express-openid-connect (same Express, same process, interleaved)')
  const r = await measureBlock(
    {
      oidcRp: at('/me', cookies.pair),
      eoc: at('/eoc/me', cookies.pairEoc),
      eocUnprotected: at('/eoc/open', anonymous(cookies.pairEoc)),
      eocWithout: at('/eoc/public', cookies.pairEoc),
    },
    until([['oidcRp', 'eoc', 3, { sameBytes: false }]]),
  )
  details.eoc = r
  ratioRow('2. vs express-openid-connect', 'Express requiresAuth: oidc-rp / express-openid-connect', r.oidcRp, r.eoc, {
    min: 3,
    target: '≥ 3.00',
    sameBytes: false,
  })
  ratioRow(
    '2. vs express-openid-connect',
    'express-openid-connect requiresAuth / its unprotected',
    r.eoc,
    r.eocUnprotected,
    { info: true, target: 'reported (no target)', sameBytes: false },
  )
  ratioRow(
    '2. vs express-openid-connect',
    'express-openid-connect requiresAuth / app without it',
    r.eoc,
    r.eocWithout,
    { info: true, target: 'reported (issue: ~0.30)', sameBytes: false },
  )
  ratioRow('2. vs express-openid-connect', 'oidc-rp requiresAuth / app without either', r.oidcRp, r.eocWithout, {
    info: true,
    target: 'reported (no target)',
    sameBytes: false,
  })
}

// ---- 4: refresh storm ------------------------------------------------------------------

async function refreshStorms() {
  const ttl = settings.stormTtl
  const provider = await child(
    './lib/provider-process.mjs',
    { clients: [CLIENT], ttl: { accessToken: ttl, idToken: ttl } },
    'storm-provider',
  )
  const configs = [
    { label: 'memory store, 1 process', store: 'memory', processes: 1 },
    { label: `Redis store, 4 processes`, store: 'redis', processes: 4 },
  ]
  for (const config of configs) {
    const apps = []
    for (let i = 0; i < config.processes; i++) {
      apps.push(
        await server('express', config.store, {
          issuer: provider.issuer,
          redisUrl: redis?.url,
          redisPrefix: `oidc-rp-storm-${config.store}:`,
          tag: `storm${i}`,
        }),
      )
    }
    log(
      `\nrefresh storm, ${config.label}: ${settings.stormSessions} sessions × ${settings.stormConcurrency} concurrent requests, tokens living ${ttl} s`,
    )
    const sessionCookies = []
    for (let i = 0; i < settings.stormSessions; i++)
      sessionCookies.push((await signIn(apps[i % apps.length].url, 'alice')).cookie)
    // Due for refresh at half their lifetime; no request touches them meanwhile.
    await sleep(ttl * 500 + 1000)
    await provider.call('reset')
    for (const app of apps) await app.call('drain')

    const agent = new Agent({ keepAlive: false, maxSockets: Infinity })
    const t0 = performance.now()
    const pending = []
    for (let k = 0; k < settings.stormConcurrency; k++) {
      for (const cookie of sessionCookies) pending.push(get(`${apps[k % apps.length].url}/me`, { cookie }, agent))
    }
    const answers = await Promise.all(pending)
    const ms = performance.now() - t0
    // Still signed in afterwards, in every process (a reused refresh token would have revoked the grant).
    const after = await Promise.all(
      sessionCookies.flatMap((cookie) => apps.map((app) => get(`${app.url}/me`, { cookie }))),
    )
    agent.destroy()
    const granted = (await provider.call('stats')).refresh_token ?? 0
    const drained = await Promise.all(apps.map((app) => app.call('drain')))
    const sent = drained.flatMap((d) => d.providerCalls).filter((c) => c.grantType === 'refresh_token').length
    const statuses = {}
    for (const a of [...answers, ...after]) statuses[a.status] = (statuses[a.status] ?? 0) + 1
    const allOk = Object.keys(statuses).every((s) => s === '200')
    const n = settings.stormSessions
    const perSession = sent / n
    const ok = sent === n && granted === n && allOk
    row(
      '4. refresh storm',
      `Refresh storm, ${config.label}`,
      `${fmt(perSession)} token-endpoint calls per expired session (${sent} sent, ${granted} granted, ${n} sessions × ${settings.stormConcurrency} requests in ${Math.round(ms)} ms; statuses ${JSON.stringify(statuses)})`,
      'exactly 1',
      verdict(ok),
      { sessions: n, sent, granted, statuses, ms },
    )
    for (const app of apps) await app.stop()
  }
  await provider.stop()
}

// ---- 5: memory -------------------------------------------------------------------------

async function memory(session) {
  log(`\nmemory: ${settings.sessions} sessions in a MemoryStore`)
  const proc = await child('./lib/memory-process.mjs', { sample: session, count: settings.sessions }, 'memory', [
    '--expose-gc',
  ])
  const m = await proc.call('run')
  await proc.stop()
  details.memory = m
  row(
    '5. memory',
    `MemoryStore heap per session beyond its tokens (${m.count} sessions)`,
    `${fmt(m.beyondTokens / 1024)} KB (heap ${fmt(m.heapPerSession / 1024)} KB/session, of which tokens ${fmt(m.tokenBytesPerSession / 1024)} KB: ID token ${m.sample.idToken} B, access ${m.sample.accessToken} B, refresh ${m.sample.refreshToken} B; ${m.sample.claims.length} claims)`,
    '≤ 4 KB',
    verdict(m.beyondTokens <= 4096),
    m,
  )
  row(
    '5. memory',
    'MemoryStore stays within max',
    `${m.sizeAfterOverfill} sessions kept after ${m.written} writes (max ${m.max}); heap ${m.heapGrowthAfterOverfill >= 0 ? '+' : ''}${fmt(m.heapGrowthAfterOverfill * 100, 1)}%`,
    '≤ max',
    verdict(m.sizeAfterOverfill <= m.max && m.heapGrowthAfterOverfill < 0.1),
    m,
  )
}

// ---- 6: login --------------------------------------------------------------------------

async function login(apps) {
  const which = [...FRAMEWORKS.map((f) => `${f}-memory`), 'eoc'].filter((k) => apps[k])
  for (const key of which) {
    const app = apps[key]
    for (let i = 0; i < 3; i++) await signIn(app.url, 'alice') // warm: discovery, JWKS, JIT
    await app.call('drain')
    for (let i = 0; i < settings.logins; i++) await signIn(app.url, 'alice')
    const { providerCalls, callbacks } = await app.call('drain')
    const overheads = []
    const tokenTimes = []
    const other = []
    for (const cb of callbacks) {
      const inside = providerCalls.filter((c) => c.start >= cb.start && c.start <= cb.start + cb.ms)
      const token = inside.filter((c) => c.grantType === 'authorization_code').reduce((a, c) => a + c.ms, 0)
      tokenTimes.push(token)
      overheads.push(cb.ms - token)
      other.push(...inside.filter((c) => c.grantType !== 'authorization_code').map((c) => c.path))
    }
    const name = key === 'eoc' ? NAMES.eoc : NAMES[key.split('-')[0]]
    const callbackMs = median(callbacks.map((c) => c.ms))
    const tokenMs = median(tokenTimes)
    const overhead = median(overheads)
    const sorted = [...overheads].sort((a, b) => a - b)
    row(
      '6. login',
      `${name} callback beyond the token endpoint`,
      `+${fmt(overhead)} ms median, +${fmt(percentile(sorted, 0.9))} ms p90 (callback ${fmt(callbackMs)} ms = ${fmt(callbackMs / tokenMs)}× the token endpoint's ${fmt(tokenMs)} ms; ${callbacks.length} logins${other.length ? `; other provider calls: ${[...new Set(other)].join(', ')}` : ''})`,
      'reported (no target)',
      'info',
      { overheadMs: overhead, callbackMs, tokenMs, logins: callbacks.length },
    )
  }
}

// ---- 7: soak ----------------------------------------------------------------------------

async function soakSection() {
  log(
    `\nsoak: ${settings.soak.seconds} s of sign-ins, requests, refreshes and logouts, memory store and Redis store side by side`,
  )
  const results = await soak({
    ...settings.soak,
    redisUrl: redis.url,
    clients: [CLIENT],
    secret: SECRET,
    start: child,
    log,
  })
  details.soak = results
  for (const r of soakRows(results, settings.soak.seconds)) row('7. soak', r.name, r.figure, r.target, r.result)
}

// ---- report ----------------------------------------------------------------------------

async function report(started) {
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    seconds: Math.round((Date.now() - started) / 1000),
    settings: { ...settings, only: settings.only ? [...settings.only] : undefined },
  }
  await mkdir(resultsDir, { recursive: true })
  await writeFile(`${resultsDir}latest.json`, JSON.stringify({ meta, rows, details }, null, 2))
  await writeFile(`${resultsDir}latest.md`, renderMarkdown(rows, meta))
  log(`\n${renderTable(rows, meta)}`)
  log(`\nwritten: test/bench/results/latest.json, latest.md (${meta.seconds} s)`)
  const missed = rows.filter((r) => r.result.startsWith('MISS') || r.result.startsWith('ERROR'))
  if (missed.length) log(`${missed.length} row(s) missed a target or failed: ${missed.map((r) => r.name).join('; ')}`)
}

main().catch(async (err) => {
  console.error(err)
  for (const handle of children.reverse()) await handle.stop().catch(() => {})
  await redis?.stop()
  process.exit(1)
})
