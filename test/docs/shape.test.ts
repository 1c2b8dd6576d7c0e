/**
 * The shape the code keeps (issue 14): no source file over 300 lines, `RelyingParty` under
 * 200, and every import in the core pointing down its layers — `protocol`, `config` and
 * `http` never import from `session`, `routes`, `authz` or the relying party that sit
 * above them.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url).pathname
const sources = readdirSync(join(root, 'packages'))
  .map((name) => join(root, 'packages', name, 'src'))
  .flatMap((dir) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((file) => join(dir, file)))
  .filter((file) => file.endsWith('.ts'))
const lines = (file: string) => readFileSync(file, 'utf8').split('\n').length - 1

describe('the shape of the source', () => {
  it('has no file over 300 lines', () => {
    expect(sources.length).toBeGreaterThan(50)
    const long = sources.filter((file) => lines(file) > 300).map((file) => `${relative(root, file)}: ${lines(file)}`)
    expect(long).toEqual([])
  })

  it('keeps relying-party.ts under 200 lines', () => {
    expect(lines(join(root, 'packages/core/src/relying-party.ts'))).toBeLessThan(200)
  })

  it('imports only downwards in the core: protocol, config and http know nothing above them', () => {
    const lower = ['protocol', 'config', 'http']
    const higher = /from '\.\.\/(session|routes|authz|relying-party|context)/
    const upward = sources
      .filter((file) => lower.some((layer) => file.includes(`/packages/core/src/${layer}/`)))
      .flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .filter((line) => higher.test(line))
          .map((line) => `${relative(root, file)}: ${line.trim()}`),
      )
    expect(upward).toEqual([])
  })
})
