/**
 * Each package's README stands alone on npm: the core's and each adapter's carry the root
 * README's options table and error model (scripts/readmes.mjs copies them), and they are
 * the same as the root README's today.
 */
import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
// @ts-expect-error -- a plain ESM script of the repository, without type declarations
import { expected, packages } from '../../scripts/readmes.mjs'

const root = new URL('../../', import.meta.url).pathname

it.for(packages as string[])(
  'packages/%s/README.md has the options and errors of the root README (run pnpm readmes)',
  (pkg) => {
    const readme = readFileSync(`${root}packages/${pkg}/README.md`, 'utf8')
    expect(readme).toMatch(/\| `issuer` +\| `OIDC_ISSUER` +\|/)
    expect(readme).toBe((expected as (pkg: string) => string)(pkg))
  },
)
