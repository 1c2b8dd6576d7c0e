/**
 * Every `@example` in the packages' TSDoc is code an app can paste: each one is cut out of
 * the source and type-checked, strictly, against the packages as built, here in the test
 * workspace where the frameworks are installed. An example that drifts from the API fails.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, expect, it } from 'vitest'

const run = promisify(execFile)
const root = new URL('../../', import.meta.url).pathname
const here = new URL('.', import.meta.url).pathname
let dir: string | undefined

async function sources(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true })
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name))
}

/** The ```ts blocks of the `@example` tags of a file, without the comment's ` * `. */
function examples(text: string): string[] {
  const found: string[] = []
  for (const comment of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const body = comment[1]
      .split('\n')
      .map((line) => line.replace(/^\s*\* ?/, ''))
      .join('\n')
    for (const block of body.matchAll(/@example\s*\n```ts\n([\s\S]*?)```/g)) found.push(block[1])
  }
  return found
}

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

it('type-checks every @example of the packages', async () => {
  const files: string[] = []
  for (const folder of (await readdir(join(root, 'packages'))).map((p) => join(root, 'packages', p, 'src'))) {
    for (const file of await sources(folder)) {
      for (const [i, code] of examples(await readFile(file, 'utf8')).entries())
        files.push(`// ${relative(root, file)} example ${i + 1}\nexport {}\n${code}`)
    }
  }
  expect(files.length).toBeGreaterThanOrEqual(3)
  dir = await mkdtemp(join(here, '.examples-'))
  const names = await Promise.all(
    files.map(async (code, i) => {
      const name = `example-${i}.ts`
      await writeFile(join(dir!, name), code)
      return name
    }),
  )
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: '../../tsconfig.json',
      compilerOptions: { noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', noUnusedLocals: false },
      files: names,
      include: [],
    }),
  )
  const result = await run(join(root, 'node_modules/.bin/tsc'), ['-p', join(dir, 'tsconfig.json')]).catch(
    (err: { stdout: string }) => err,
  )
  expect('stdout' in result ? result.stdout : '').toBe('')
}, 60_000)
