import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isLocalPath, MAX_RETURN_TO, safeReturnTo } from '../src/protocol/return-to.js'

const base = new URL('https://app.example/')
const callback = new URL('/callback?code=c&state=s', base)

/** Where a browser goes with `Location: <location>` from the callback. */
const destination = (location: string) => new URL(location, callback)

/** Pieces an attacker combines: slashes, dot segments (plain and encoded), backslashes, controls, hosts. */
const piece = fc.constantFrom(
  '/',
  '//',
  '\\',
  '.',
  '..',
  '%2e',
  '%2E',
  '%2e%2e',
  '%2F',
  '%5C',
  '\t',
  '\n',
  '\r',
  ' ',
  '\u0000',
  '@',
  ':',
  '?',
  '#',
  'evil.example',
  'app.example',
  'a',
  'é',
  '%',
  'javascript:',
  'http:',
  'https:',
  '\u3002',
  '\uff0f',
)
const hostile = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(''))
const anything = fc.oneof(
  hostile,
  hostile.map((s) => `/${s}`),
  fc.string({ maxLength: 64 }),
  fc.string({ unit: 'binary', maxLength: 32 }).map((s) => `/${s}`),
)

describe('returnTo', () => {
  it("never yields a Location that leaves the app's origin, whatever the input (property)", () => {
    fc.assert(
      fc.property(anything, (input) => {
        const kept = safeReturnTo(input, base)
        expect(destination(kept).origin).toBe(base.origin)
        expect(isLocalPath(kept, base)).toBe(true)
        expect(safeReturnTo(kept, base), 'normalising twice changes nothing').toBe(kept)
        expect(kept.length).toBeLessThanOrEqual(MAX_RETURN_TO)
      }),
      { numRuns: 20_000 },
    )
  })

  it.each([
    '/.//evil.example',
    '/..//evil.example',
    '/%2e//evil.example',
    '/%2E%2E//evil.example',
    '/a/..//evil.example',
    '/./\\evil.example',
    '/.\\/evil.example',
    '/./\t/evil.example',
    '/%2e%2e/%2e%2e//evil.example',
    '/a/b/../..//evil.example/x?y#z',
  ])('sends %j home: its dot segments normalise to //host', (input) => {
    expect(safeReturnTo(input, base)).toBe('/')
  })

  it('keeps same-origin paths with their query and fragment, normalised', () => {
    expect(safeReturnTo('/me?x=1#top', base)).toBe('/me?x=1#top')
    expect(safeReturnTo('/a/./b/../c', base)).toBe('/a/c')
    expect(safeReturnTo('/caf\u00e9', base)).toBe('/caf%C3%A9')
  })

  it('caps the length after encoding: 2,000 × é passes a 2 KB input cap but is 12 KB encoded', () => {
    expect(safeReturnTo(`/${'é'.repeat(2000)}`, base)).toBe('/')
    expect(safeReturnTo(`/${'é'.repeat(100)}`, base)).toBe(`/${'%C3%A9'.repeat(100)}`)
  })

  it('refuses at the redirect what it would refuse at login (a transaction cookie is checked again)', () => {
    for (const path of ['//evil.example', '/\\evil.example', 'https://evil.example/', '/a\tb', ''])
      expect(isLocalPath(path, base), path).toBe(false)
    expect(isLocalPath('/me?x=1', base)).toBe(true)
  })
})
