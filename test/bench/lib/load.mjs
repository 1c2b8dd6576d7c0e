// The load generator: autocannon in this process, keep-alive connections on loopback.
// Latencies come from autocannon's per-response event (floating-point milliseconds)
// rather than its millisecond-resolution histogram, so that p99 ratios are meaningful.
import autocannon from 'autocannon'

/**
 * Runs one segment against `target` ({ url, path, headers, tokens? }) for `seconds`, or
 * for `amount` requests. `tokens` ({ list, next }) gives each request its own
 * `Authorization: Bearer` token, in order, none twice.
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
    options.requests = [{
      setupRequest: (request) => ({ ...request, headers: { ...request.headers, authorization: `Bearer ${pool.list[pool.next++ % pool.list.length]}` } }),
    }]
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
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count])),
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
 * Measures the targets of one block in `rounds` interleaved rounds (A B C, then C B A, ...),
 * after a warm-up of each, and sums each target's segments.
 */
export async function measureBlock(targets, { seconds, rounds, warmup, connections, log }) {
  const names = Object.keys(targets)
  for (const name of names) {
    const t = targets[name]
    if (warmup > 0) await measure(t, t.amount ? { amount: t.warmupAmount, connections } : { seconds: warmup, connections })
  }
  const segments = Object.fromEntries(names.map((n) => [n, []]))
  const per = Math.max(1, Math.round(seconds / rounds))
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? names : [...names].reverse()
    for (const name of order) {
      const t = targets[name]
      const segment = await measure(t, t.amount ? { amount: Math.floor(t.amount / rounds), connections } : { seconds: per, connections })
      segments[name].push(segment)
      log?.(`    ${name.padEnd(14)} round ${r + 1}: ${segment.rps.toFixed(0).padStart(6)} req/s  p99 ${segment.p99.toFixed(2)} ms${segment.failures ? `  FAILURES ${JSON.stringify(segment.statusCodes)}` : ''}`)
    }
  }
  return Object.fromEntries(names.map((name) => [name, combine(segments[name])]))
}

/** Total requests over total time; p99 is the median of the segments' p99s. */
function combine(segments) {
  const requests = segments.reduce((a, s) => a + s.requests, 0)
  const seconds = segments.reduce((a, s) => a + s.seconds, 0)
  const rpsEach = segments.map((s) => s.rps)
  const mean = rpsEach.reduce((a, b) => a + b, 0) / rpsEach.length
  return {
    rps: requests / seconds,
    p99: median(segments.map((s) => s.p99)),
    p50: median(segments.map((s) => s.p50)),
    requests,
    failures: segments.reduce((a, s) => a + s.failures, 0),
    /** Relative spread of the segments' req/s: an in-run measure of noise. */
    spread: rpsEach.length > 1 ? (Math.max(...rpsEach) - Math.min(...rpsEach)) / mean : 0,
    segments: rpsEach.map((x) => Math.round(x)),
  }
}
