// The load generator: autocannon in this process, keep-alive connections on loopback.
// Latencies come from autocannon's per-response event (floating-point milliseconds)
// rather than its millisecond-resolution histogram, so that p99 ratios are meaningful.
import autocannon from 'autocannon'

/**
 * Runs one segment against `target` ({ url, path, headers, tokens? }) for `seconds`, or
 * for `amount` requests. `tokens` ({ list, next, header? }) gives each request its own
 * `Authorization: Bearer` token (or another header's), in order, none twice.
 */
export async function measure(target, { seconds, amount, connections }) {
  const latencies = []
  const options = {
    url: target.url + target.path,
    connections,
    pipelining: 1,
    headers: target.headers ?? {},
    ...(amount === undefined ? { duration: seconds } : { amount }),
  }
  if (target.tokens) {
    const pool = target.tokens
    const name = pool.header ?? 'authorization'
    options.requests = [
      {
        setupRequest: (request) => ({
          ...request,
          headers: { ...request.headers, [name]: `Bearer ${pool.list[pool.next++ % pool.list.length]}` },
        }),
      },
    ]
  }
  const started = performance.now()
  const instance = autocannon(options)
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) latencies.push(ms)
  })
  const result = await instance
  const elapsed = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  return {
    requests: latencies.length,
    seconds: elapsed,
    rps: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    failures: result.non2xx + result.errors + result.timeouts,
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count]),
    ),
  }
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/**
 * Measures the targets of one block in interleaved rounds (A B C, then C B A, ...), each
 * round `segment` seconds per target, after a warm-up of each: background load on a
 * shared machine hits the targets of a round alike, and ratios are taken round by round.
 * Runs `seconds / segment` rounds, then more, up to `maxSeconds / segment`, while
 * `undecided(results)` says that some figure is still within its noise of its target.
 */
export async function measureBlock(
  targets,
  { seconds, maxSeconds = seconds, segment, warmup, connections, log, undecided },
) {
  const names = Object.keys(targets)
  const rounds = Math.max(1, Math.round(seconds / segment))
  const maxRounds = Math.max(rounds, Math.round(maxSeconds / segment))
  for (const name of names) {
    const t = targets[name]
    if (warmup > 0)
      await measure(t, t.amount ? { amount: t.warmupAmount, connections } : { seconds: warmup, connections })
  }
  const segments = Object.fromEntries(names.map((n) => [n, []]))
  const results = () => Object.fromEntries(names.map((name) => [name, summarize(segments[name])]))
  for (let r = 0; r < maxRounds; r++) {
    if (r >= rounds && !undecided?.(results())) break
    const order = r % 2 === 0 ? names : [...names].reverse()
    const line = []
    for (const name of order) {
      const t = targets[name]
      const before = await t.server?.call('cpu')
      const result = await measure(
        t,
        t.amount ? { amount: Math.floor(t.amount / rounds), connections } : { seconds: segment, connections },
      )
      const after = await t.server?.call('cpu')
      // The server's own CPU time per request: robust to other load on the machine.
      const n = Math.max(1, result.requests)
      result.userUs = before && after ? (after.user - before.user) / n : NaN
      result.systemUs = before && after ? (after.system - before.system) / n : NaN
      result.cpuUs = result.userUs + result.systemUs
      segments[name].push(result)
      line.push(
        `${name} ${result.rps.toFixed(0)}/s p99 ${result.p99.toFixed(2)}ms ${result.cpuUs.toFixed(0)}µs${result.failures ? ` FAILURES ${JSON.stringify(result.statusCodes)}` : ''}`,
      )
    }
    log?.(`    round ${String(r + 1).padStart(2)}: ${line.join(' | ')}`)
  }
  return results()
}

function summarize(segments) {
  const requests = segments.reduce((a, s) => a + s.requests, 0)
  const seconds = segments.reduce((a, s) => a + s.seconds, 0)
  return {
    rps: requests / seconds,
    p99: median(segments.map((s) => s.p99)),
    requests,
    failures: segments.reduce((a, s) => a + s.failures, 0),
    cpuUs: median(segments.map((s) => s.cpuUs)),
    userUs: median(segments.map((s) => s.userUs)),
    systemUs: median(segments.map((s) => s.systemUs)),
    rounds: segments.map((s) => ({
      rps: Math.round(s.rps),
      p99: Number(s.p99.toFixed(3)),
      cpuUs: Number(s.cpuUs.toFixed(1)),
      userUs: Number(s.userUs.toFixed(1)),
      systemUs: Number(s.systemUs.toFixed(1)),
    })),
  }
}

/**
 * Candidate against baseline, round by round: the median of the rounds' req/s, CPU and
 * p99 ratios, and the noise of the req/s and CPU ratios.
 */
export function compare(candidate, baseline, { sameBytes = true } = {}) {
  const pairs = candidate.rounds.map((c, i) => ({
    rps: c.rps / baseline.rounds[i].rps,
    p99: c.p99 / baseline.rounds[i].p99,
  }))
  const ratios = pairs.map((p) => p.rps)
  /**
   * Throughput as the server's CPU time per request predicts it. When both answer the same
   * bytes, the kernel's share (system time, the noisiest part on a shared machine) is
   * taken as the two targets' pooled median and each keeps its own user time. When they
   * do not (express-openid-connect sets its cookie again on every response), each keeps
   * its own system time too.
   */
  const system = median([...candidate.rounds, ...baseline.rounds].map((r) => r.systemUs))
  const cost = (r) => r.userUs + (sameBytes ? system : r.systemUs)
  const cpuRatios = candidate.rounds.map((c, i) => cost(baseline.rounds[i]) / cost(c))
  return {
    rps: median(ratios),
    cpu: median(cpuRatios),
    p99: median(pairs.map((p) => p.p99)),
    noise: noise(ratios),
    cpuNoise: noise(cpuRatios),
    perRound: ratios.map((r) => Number(r.toFixed(3))),
  }
}

/**
 * Twice the standard error of the median of `ratios`, relative to it (at least 2%),
 * estimated from their median absolute deviation: a round in which the machine stalled
 * moves it no more than any other.
 */
function noise(ratios) {
  const m = median(ratios)
  const mad = median(ratios.map((r) => Math.abs(r - m)))
  return Math.max(0.02, (2 * 1.2533 * 1.4826 * mad) / Math.sqrt(ratios.length) / m)
}

/** Whether a comparison is still within its noise of the target `min`: more rounds would tell. */
export function undecided(c, min) {
  return Math.abs(c.rps / min - 1) < c.noise || Math.abs(c.cpu / min - 1) < c.cpuNoise
}
