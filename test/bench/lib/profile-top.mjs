// Summarizes a V8 .cpuprofile: the functions with the most self time, and the inclusive
// time of the functions whose name or file matches a filter.
import { readFile } from 'node:fs/promises'

export async function summarize(file, { top = 25, match, requests } = {}) {
  const profile = JSON.parse(await readFile(file, 'utf8'))
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  // Self time per node from the samples and their time deltas.
  const self = new Map()
  let total = 0
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0
    self.set(id, (self.get(id) ?? 0) + dt)
    total += dt
  })
  const label = (n) => {
    const f = n.callFrame
    const file = f.url
      ? f.url
          .replace(/^file:\/\//, '')
          .replace(/.*\/node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
          .replace(/.*\/work\/main\//, '')
      : ''
    return `${f.functionName || '(anonymous)'} ${file}${file ? `:${f.lineNumber + 1}` : ''}`
  }
  const bySelf = new Map()
  for (const [id, t] of self) {
    const key = label(nodes.get(id))
    bySelf.set(key, (bySelf.get(key) ?? 0) + t)
  }
  // Inclusive time: each sample counts once for every distinct function on its stack.
  const inclusive = new Map()
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0
    const seen = new Set()
    for (let n = id; n !== undefined; n = parent.get(n)) {
      const key = label(nodes.get(n))
      if (seen.has(key)) continue
      seen.add(key)
      inclusive.set(key, (inclusive.get(key) ?? 0) + dt)
    }
  })
  const pct = (t) =>
    `${((100 * t) / total).toFixed(1).padStart(5)}%${requests ? ` ${(t / requests).toFixed(2).padStart(6)} µs/req` : ''}`
  const lines = [`${file}: ${(total / 1e6).toFixed(2)} s sampled`, '', 'self time:']
  for (const [key, t] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(t)}  ${key}`)
  if (match) {
    lines.push('', `inclusive time of frames matching ${match}:`)
    const re = new RegExp(match)
    for (const [key, t] of [...inclusive]
      .filter(([k]) => re.test(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top))
      lines.push(`  ${pct(t)}  ${key}`)
  }
  return lines.join('\n')
}
