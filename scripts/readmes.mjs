// Copies the root README's "Configuration" and "Errors" sections into the README of the
// core and of each adapter, between `<!-- from the root README -->` markers, so that each
// package's README stands alone on npm (a tarball has no root README to link to).
// `node scripts/readmes.mjs` writes them; `--check` exits 1 when one is out of date.
import { readFileSync, writeFileSync } from 'node:fs'

const root = new URL('..', import.meta.url).pathname
const START = '<!-- from the root README: edit it there, then run `pnpm readmes` -->'
const END = '<!-- end of the part from the root README -->'
export const packages = ['core', 'express', 'fastify', 'koa']

/** A `## Title` section of the root README, down to the next `## `, one heading level lower. */
function section(readme, title) {
  const start = readme.indexOf(`\n## ${title}\n`)
  if (start === -1) throw new Error(`README.md has no "## ${title}" section`)
  const next = readme.indexOf('\n## ', start + 1)
  return readme
    .slice(start + 1, next === -1 ? undefined : next)
    .trim()
    .replace(/^(#+) /gm, '#$1 ')
}

/** The package's README as it should be. */
export function expected(pkg) {
  const readme = readFileSync(`${root}README.md`, 'utf8')
  const own = readFileSync(`${root}packages/${pkg}/README.md`, 'utf8')
  const part = [START, '', section(readme, 'Configuration'), '', section(readme, 'Errors'), '', END].join('\n')
  const from = own.indexOf(START)
  const to = own.indexOf(END)
  if (from === -1 || to === -1) return `${own.trimEnd()}\n\n${part}\n`
  return own.slice(0, from) + part + own.slice(to + END.length)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const check = process.argv.includes('--check')
  let stale = 0
  for (const pkg of packages) {
    const path = `${root}packages/${pkg}/README.md`
    const want = expected(pkg)
    if (readFileSync(path, 'utf8') === want) continue
    stale += 1
    if (check) console.error(`packages/${pkg}/README.md is out of date with README.md: run pnpm readmes`)
    else writeFileSync(path, want)
  }
  if (check && stale > 0) process.exit(1)
}
