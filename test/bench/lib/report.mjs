// The one table, as text for the terminal and as Markdown.

function header(meta) {
  const s = meta.settings
  return `oidc-rp benchmarks, ${meta.date.slice(0, 10)}: Node ${meta.node}, ${meta.cpus} CPUs, autocannon ${s.connections} connections, ${s.seconds} s per route in interleaved ${s.segment} s rounds (ratios: median over rounds); whole run ${meta.seconds} s.`
}

export function renderTable(rows, meta) {
  const columns = ['section', 'name', 'target', 'result', 'figure']
  const titles = { section: 'Section', name: 'Measurement', target: 'Target', result: 'Result', figure: 'Figure' }
  const widths = Object.fromEntries(
    columns.slice(0, 4).map((c) => [c, Math.max(titles[c].length, ...rows.map((r) => String(r[c]).length))]),
  )
  const line = (r) => columns.map((c) => (widths[c] ? String(r[c]).padEnd(widths[c]) : String(r[c]))).join('  ')
  return [
    header(meta),
    '',
    line(titles),
    line(Object.fromEntries(columns.map((c) => [c, '-'.repeat(widths[c] ?? 6)]))),
    ...rows.map(line),
  ].join('\n')
}

export function renderMarkdown(rows, meta) {
  const esc = (v) => String(v).replace(/\|/g, '\\|')
  return [
    header(meta),
    '',
    '| Section | Measurement | Target | Result | Figure |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) => `| ${esc(r.section)} | ${esc(r.name)} | ${esc(r.target)} | ${esc(r.result)} | ${esc(r.figure)} |`,
    ),
    '',
  ].join('\n')
}
