// The soak (issue 12, "Must hold"): minutes of sign-ins, requests, refreshes and logouts
// through the bench's Express app, once with the memory store and once with Redis, side by
// side. Every `sample` seconds: each app's heap after a full GC and its session count, and
// Redis's DBSIZE with its keys by kind. Logged-out cookies are asked for again (a 200 is
// a session that came back). Verdict: heap and key count plateau.
import { createRequire } from 'node:module'
import { Agent, request } from 'node:http'
import { signIn } from '@oidc-rp/testing'

/** Seconds tokens live at the provider: refreshed after half of it (the core's rule for short tokens). */
const TOKEN_TTL = 4
/** Sessions end after this long without a request, or this long after sign-in. */
const SESSION = { idleTimeout: 20, absoluteTimeout: 120 }
/** Logged-out cookies kept to ask for again, the newest, per store. */
const LOGGED_OUT_KEPT = 500
const PREFIX = 'oidc-rp-soak:'
/** Seconds: a key with longer to live outlives every session of the soak and every login state (600 s). */
const LONG_TTL = 600
const MB = 1024 * 1024

/** Other cookies of the site, sent with every request as a browser would: the Cookie header is 3 KB longer. */
const OTHER_COOKIES = `_ga=${'g'.repeat(1500)}; prefs=${'p'.repeat(1500)}`

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** One request without following redirects: { status }. */
function send(url, { method = 'GET', cookie, agent }) {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method,
        agent,
        headers: { accept: 'application/json', cookie: cookie ? `${OTHER_COOKIES}; ${cookie}` : OTHER_COOKIES },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode))
      },
    )
    req.on('error', () => resolve(0))
    req.end()
  })
}

/** `SOAK_SECONDS` (300), `SOAK_SAMPLE` (seconds between samples, 15), `SOAK_USERS` (per store, 16). */
export function soakSettings(env = process.env) {
  const num = (name, fallback) => {
    const value = Number(env[name] ?? fallback)
    if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${name} must be a positive number`)
    return value
  }
  return { seconds: num('SOAK_SECONDS', 300), sample: num('SOAK_SAMPLE', 15), users: Math.round(num('SOAK_USERS', 16)) }
}

/**
 * `start(script, config, name, execArgv)` starts a bench child (lib/child.mjs) and stops it
 * with the others; `redisUrl` is a throw-away redis-server (emptied first). Returns the samples, the
 * counters and one verdict per store.
 */
export async function soak({ seconds, sample, users, redisUrl, clients, secret, start, log }) {
  const { Redis } = createRequire(import.meta.resolve('@oidc-rp/redis'))('ioredis')
  const redis = new Redis(redisUrl)
  await redis.flushdb()
  const provider = await start(
    './lib/provider-process.mjs',
    { clients, ttl: { accessToken: TOKEN_TTL, idToken: TOKEN_TTL, refreshToken: 3600, session: 3600 } },
    'soak-provider',
  )
  const [client] = clients
  const runs = {}
  for (const store of ['memory', 'redis']) {
    const app = await start(
      './lib/server-process.mjs',
      {
        framework: 'express',
        store,
        issuer: provider.issuer,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        secret,
        redisUrl,
        redisPrefix: PREFIX,
        session: SESSION,
      },
      `soak-${store}`,
      ['--expose-gc'],
    )
    runs[store] = {
      app,
      agent: new Agent({ keepAlive: true, maxSockets: users * 2 }),
      samples: [],
      loggedOut: [],
      resurrected: new Set(),
      counts: {
        signIns: 0,
        requests: 0,
        refreshes: 0,
        logouts: 0,
        raced: {},
        abandoned: 0,
        statuses: {},
        failedSignIns: 0,
      },
    }
  }
  log(
    `soak: ${seconds} s, ${users} users per store, tokens living ${TOKEN_TTL} s, sessions idle ${SESSION.idleTimeout} s / absolute ${SESSION.absoluteTimeout} s, a sample every ${sample} s`,
  )

  const started = Date.now()
  const stopAt = started + seconds * 1000
  await takeSample(0)
  const workers = Object.values(runs).flatMap((run) => Array.from({ length: users }, (_, i) => user(run, i)))
  while (Date.now() < stopAt) {
    await sleep(Math.min(sample * 1000, stopAt - Date.now()))
    await takeSample((Date.now() - started) / 1000)
  }
  await Promise.all(workers)
  // Once the traffic stops, the logged-out cookies are asked for a last time.
  await takeSample((Date.now() - started) / 1000)
  redis.disconnect()
  for (const run of Object.values(runs)) run.agent.destroy()
  return Object.fromEntries(Object.entries(runs).map(([store, run]) => [store, result(store, run)]))

  /** A user's life, again and again: sign in, requests for 1-7 s, then log out (or race a refresh with it), or leave. */
  async function user(run, i) {
    const url = run.app.url
    while (Date.now() < stopAt) {
      let cookie
      try {
        cookie = (await signIn(url, i % 2 ? 'alice' : 'bob')).cookie
      } catch (err) {
        run.counts.failedSignIns++
        if (run.counts.failedSignIns <= 3) log(`soak ${run.app.name ?? ''}: sign-in failed: ${err.message}`)
        await sleep(1000)
        continue
      }
      run.counts.signIns++
      const end = Date.now() + 1000 + Math.random() * 6000
      while (Date.now() < end) {
        count(run, await send(`${url}/me`, { cookie, agent: run.agent }))
        await sleep(100)
      }
      const fate = Math.random()
      if (fate < 0.3) {
        run.counts.abandoned++ // left to end at its idle timeout
        continue
      }
      if (fate < 0.65) {
        await send(`${url}/logout`, { method: 'POST', cookie, agent: run.agent })
      } else {
        // Tokens due, then a request (which refreshes them) and the logout at once.
        await sleep(TOKEN_TTL * 500 + 300)
        const [status] = await Promise.all([
          send(`${url}/me`, { cookie, agent: run.agent }),
          send(`${url}/logout`, { method: 'POST', cookie, agent: run.agent }),
        ])
        run.counts.raced[status] = (run.counts.raced[status] ?? 0) + 1 // 200 or 401: either may come first
      }
      run.counts.logouts++
      await checkLoggedOut(run, [cookie])
      run.loggedOut.push(cookie)
      if (run.loggedOut.length > LOGGED_OUT_KEPT) run.loggedOut.shift()
    }
  }

  function count(run, status) {
    run.counts.requests++
    run.counts.statuses[status] = (run.counts.statuses[status] ?? 0) + 1
  }

  /** A logged-out cookie must never sign in again. */
  async function checkLoggedOut(run, cookies) {
    const statuses = await Promise.all(cookies.map((cookie) => send(`${run.app.url}/me`, { cookie, agent: run.agent })))
    statuses.forEach((status, k) => status === 200 && run.resurrected.add(cookies[k]))
  }

  async function takeSample(t) {
    const keys = await keyCounts()
    for (const [store, run] of Object.entries(runs)) {
      await checkLoggedOut(run, [...run.loggedOut])
      const { providerCalls } = await run.app.call('drain') // also keeps the app's own records from growing
      run.counts.refreshes += providerCalls.filter((c) => c.grantType === 'refresh_token').length
      const { heapUsed, gc } = await run.app.call('heap')
      if (!gc) throw new Error('the soak apps must run with --expose-gc')
      const sessions = store === 'memory' ? await run.app.call('sessions') : (keys.byKind.s ?? 0)
      const s = {
        t: Math.round(t),
        heapMB: heapUsed / MB,
        sessions,
        signIns: run.counts.signIns,
        resurrected: run.resurrected.size,
      }
      if (store === 'redis') Object.assign(s, keys)
      run.samples.push(s)
    }
    const m = runs.memory.samples.at(-1)
    const r = runs.redis.samples.at(-1)
    log(
      `  t=${String(m.t).padStart(4)} s  memory: heap ${m.heapMB.toFixed(1)} MB, ${m.sessions} sessions, ${m.signIns} sign-ins  |  redis: heap ${r.heapMB.toFixed(1)} MB, ${r.sessions} sessions, ${r.signIns} sign-ins, DBSIZE ${r.dbsize} ${JSON.stringify(r.byKind)}, ${r.longLived} living over ${LONG_TTL} s  |  came back after logout: ${m.resurrected} / ${r.resurrected}`,
    )
  }

  /** Our keys in Redis, by kind (`s`, `sid`, `sub`, `once`, `revoked`, `lock`...). */
  async function keysByKind() {
    const byKind = {}
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000)
      cursor = next
      for (const key of keys) (byKind[key.slice(PREFIX.length).split(':')[0]] ??= []).push(key)
    } while (cursor !== '0')
    return byKind
  }

  /**
   * DBSIZE; our keys by kind; how many of them have more than `LONG_TTL` s to live (or no
   * TTL), by kind; and the longest TTL left of each kind, in seconds.
   */
  async function keyCounts() {
    const byKind = {}
    const longLivedByKind = {}
    const longestTtl = {}
    for (const [kind, keys] of Object.entries(await keysByKind())) {
      const pipeline = redis.pipeline()
      for (const key of keys) pipeline.pttl(key)
      const ttls = (await pipeline.exec()).map(([, ms]) => (ms === -1 ? Infinity : ms / 1000))
      byKind[kind] = keys.length
      const long = ttls.filter((ttl) => ttl > LONG_TTL).length
      if (long > 0) longLivedByKind[kind] = long
      longestTtl[kind] = Math.round(Math.max(...ttls))
    }
    const longLived = Object.values(longLivedByKind).reduce((a, b) => a + b, 0)
    return { dbsize: await redis.dbsize(), byKind, longLived, longLivedByKind, longestTtl }
  }
}

/**
 * A store's verdict. Heap plateaus: the last third's highest heap after GC is at most the
 * first third's × 1.2 + 3 MB. So do the sessions held (× 1.2 + 10), counted in the first
 * third from the idle timeout on: sessions left to time out pile up until then (n/a for a
 * soak too short to have such samples). Redis holds little beyond its live sessions and
 * short-lived keys: at every sample, at most 2 keys per live session + 10 have more than
 * `LONG_TTL` s to live (the session and its indexes by `sid` and `sub`; one-time login
 * states live 600 s, revocations `absoluteTimeout`, locks seconds). No logged-out session
 * comes back.
 */
function result(store, run) {
  const { samples, counts } = run
  const end = samples.at(-1).t
  const first = samples.filter((s) => s.t > 0 && s.t <= end / 3)
  const last = samples.filter((s) => s.t >= (2 * end) / 3)
  const max = (list, f) => Math.max(...list.map(f))
  const heap = {
    start: samples[0].heapMB,
    firstThirdMax: max(first, (s) => s.heapMB),
    lastThirdMax: max(last, (s) => s.heapMB),
    end: samples.at(-1).heapMB,
  }
  heap.plateau = heap.lastThirdMax <= heap.firstThirdMax * 1.2 + 3
  const settled = first.filter((s) => s.t >= SESSION.idleTimeout)
  const sessions = {
    start: samples[0].sessions,
    firstThirdMax: max(settled, (s) => s.sessions),
    lastThirdMax: max(last, (s) => s.sessions),
    end: samples.at(-1).sessions,
  }
  sessions.plateau = settled.length === 0 ? undefined : sessions.lastThirdMax <= sessions.firstThirdMax * 1.2 + 10
  const out = { store, counts: { ...counts, resurrected: run.resurrected.size }, heap, sessions, samples }
  out.ok = heap.plateau && sessions.plateau !== false && run.resurrected.size === 0
  if (store === 'redis') {
    const dbsize = {
      start: samples[0].dbsize,
      firstThirdMax: max(first, (s) => s.dbsize),
      lastThirdMax: max(last, (s) => s.dbsize),
      end: samples.at(-1).dbsize,
    }
    dbsize.bounded = samples.every((s) => s.longLived <= 2 * s.sessions + 10)
    out.dbsize = dbsize
    out.ok &&= dbsize.bounded
  }
  return out
}

/** The soak's rows for the bench's table: { name, figure, target, result }. */
export function soakRows(results, seconds) {
  const mb = (x) => `${x.toFixed(1)} MB`
  const rows = []
  for (const r of Object.values(results)) {
    const c = r.counts
    const label = r.store === 'memory' ? 'memory store' : 'Redis store'
    rows.push({
      name: `Soak ${seconds} s, ${label}: heap after GC`,
      figure: `${mb(r.heap.start)} at start, highest ${mb(r.heap.firstThirdMax)} in the first third, ${mb(r.heap.lastThirdMax)} in the last, ${mb(r.heap.end)} at the end; ${c.signIns} sign-ins, ${c.requests} requests ${JSON.stringify(c.statuses)}, ${c.refreshes} refreshes, ${c.logouts} logouts (racing a refreshing request: ${JSON.stringify(c.raced)}), ${c.abandoned} left to time out${c.failedSignIns ? `, ${c.failedSignIns} failed sign-ins` : ''}`,
      target: 'last third ≤ first third × 1.2 + 3 MB',
      result: r.heap.plateau ? 'PASS' : 'MISS',
    })
    rows.push({
      name: `Soak ${seconds} s, ${label}: sessions held`,
      figure: `${r.sessions.start} at start, highest ${r.sessions.firstThirdMax} in the first third (from ${SESSION.idleTimeout} s), ${r.sessions.lastThirdMax} in the last, ${r.sessions.end} at the end (traffic stopped)`,
      target: 'last third ≤ first third × 1.2 + 10',
      result: r.sessions.plateau === undefined ? 'n/a (too short)' : r.sessions.plateau ? 'PASS' : 'MISS',
    })
    if (r.dbsize) {
      const d = r.dbsize
      const end = r.samples.at(-1)
      rows.push({
        name: `Soak ${seconds} s, Redis store: DBSIZE`,
        figure: `${d.start} at start, highest ${d.firstThirdMax} in the first third, ${d.lastThirdMax} in the last, ${d.end} at the end: ${JSON.stringify(end.byKind)} for ${end.sessions} sessions; ${end.longLived} keys with over ${LONG_TTL} s to live ${JSON.stringify(end.longLivedByKind)}; longest TTL left by kind (s): ${JSON.stringify(end.longestTtl)}`,
        target: `keys living over ${LONG_TTL} s ≤ 2 × live sessions + 10, at every sample`,
        result: d.bounded ? 'PASS' : 'MISS',
      })
    }
    rows.push({
      name: `Soak ${seconds} s, ${label}: logged-out sessions that came back`,
      figure: `${c.resurrected} of ${c.logouts} logged-out cookies were accepted again (each asked for right after its logout and at every sample, the newest ${LOGGED_OUT_KEPT})`,
      target: '0',
      result: c.resurrected === 0 ? 'PASS' : 'MISS',
    })
  }
  return rows
}
