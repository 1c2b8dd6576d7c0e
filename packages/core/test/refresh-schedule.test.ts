import { describe, expect, it } from 'vitest'
import type { SessionData } from '../src/index.js'
import { BackOff, expired, lifetimeOf, needsRefresh, TIMED_OUT, within } from '../src/session/refresh-schedule.js'
import { renewedData } from '../src/session/refresh-tokens.js'

const T = 1_000_000

/** A session; a field given as undefined is one the session does not have. */
function session(fields: { [K in keyof SessionData]?: SessionData[K] | undefined } = {}): SessionData {
  return <SessionData>{
    sub: 'alice',
    claims: { sub: 'alice' },
    idToken: 'x',
    idTokenExpiresAt: T + 3600,
    accessTokenExpiresAt: T + 3600,
    refreshToken: 'r',
    tokensAt: T,
    createdAt: T,
    touchedAt: T,
    ...fields,
  }
}

describe('refresh schedule', () => {
  it('is due a leeway (60 s) before the nearer expiry, or at half of a short lifetime', () => {
    expect(needsRefresh(session(), T + 3539)).toBe(false)
    expect(needsRefresh(session(), T + 3540)).toBe(true)
    expect(needsRefresh(session({ accessTokenExpiresAt: T + 300 }), T + 240)).toBe(true)
    expect(needsRefresh(session({ idTokenExpiresAt: T + 10, accessTokenExpiresAt: T + 10 }), T + 4)).toBe(false)
    expect(needsRefresh(session({ idTokenExpiresAt: T + 10, accessTokenExpiresAt: T + 10 }), T + 5)).toBe(true)
    expect(needsRefresh(session({ refreshToken: undefined }), T + 7200)).toBe(false)
  })

  it('follows the access token once the provider stops renewing the ID token (a refresh without id_token)', () => {
    // The first ID token expired long ago; the access token renewed just now lives an hour.
    const renewed = session({
      idTokenExpiresAt: T - 600,
      tokensAt: T,
      accessTokenExpiresAt: T + 3600,
      idTokenRenewed: false,
    })
    expect(needsRefresh(renewed, T + 1)).toBe(false)
    expect(expired(renewed, T + 1)).toBe(false)
    expect(needsRefresh(renewed, T + 3540)).toBe(true)
    expect(expired(renewed, T + 3600)).toBe(true)
    // An old session without the field: the ID token's expiry counts, as before.
    expect(needsRefresh(session({ idTokenExpiresAt: T - 600 }), T + 1)).toBe(true)
    expect(expired(session({ idTokenExpiresAt: T - 600 }), T + 1)).toBe(true)
  })

  it('renews without id_token: marks the ID token not renewed; without expires_in either, assumes the previous lifetime', () => {
    const current = session({ idTokenExpiresAt: T + 600, accessTokenExpiresAt: undefined })
    const withExpiry = renewedData(
      current,
      { access_token: 'a2', token_type: 'bearer', expires_in: 900 } as never,
      T + 590,
    )
    expect(withExpiry).toMatchObject({ idTokenRenewed: false, accessTokenExpiresAt: T + 590 + 900, tokensAt: T + 590 })
    expect(withExpiry.assumedExpiresAt).toBeUndefined()

    const silent = renewedData(current, { access_token: 'a2', token_type: 'bearer' } as never, T + 590)
    expect(silent).toMatchObject({ idTokenRenewed: false, assumedExpiresAt: T + 590 + 600 })
    expect(silent.accessTokenExpiresAt).toBeUndefined()
    expect(needsRefresh(silent, T + 591)).toBe(false)
    expect(needsRefresh(silent, T + 590 + 540)).toBe(true)
    // And the next silent renewal assumes the same lifetime again.
    expect(lifetimeOf(silent)).toBe(600)
    expect(renewedData(silent, { access_token: 'a3', token_type: 'bearer' } as never, T + 1200).assumedExpiresAt).toBe(
      T + 1800,
    )
    // Nothing to go by: five minutes.
    expect(lifetimeOf(session({ idTokenExpiresAt: T, accessTokenExpiresAt: undefined }))).toBe(300)
  })
})

describe('BackOff', () => {
  it('per session: 1 s doubling to 30 s, ±25 %', () => {
    const backOff = new BackOff()
    const waits: number[] = []
    let t = 0
    for (let i = 0; i < 8; i += 1) {
      expect(backOff.wait('a', t)).toBe(0)
      backOff.failed('a', t, false)
      waits.push(backOff.wait('a', t))
      t += 60_000
    }
    const bases = [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]
    waits.forEach((wait, i) => {
      expect(wait).toBeGreaterThanOrEqual(bases[i] * 0.75)
      expect(wait).toBeLessThanOrEqual(bases[i] * 1.25)
    })
    expect(backOff.wait('b', t), 'another session is not held back').toBe(0)
    backOff.succeeded('a')
    expect(backOff.wait('a', t)).toBe(0)
  })

  it('process-wide after 3 different sessions fail in a row: one probe at a time, the first success clears every back-off', () => {
    const backOff = new BackOff()
    for (const id of ['a', 'b']) backOff.failed(id, 0, true)
    expect(backOff.wait('c', 0), 'two failures are no outage').toBe(0)
    backOff.failed('c', 0, true)
    const wait = backOff.wait('d', 0)
    expect(wait).toBeGreaterThan(0)
    expect(wait).toBeLessThanOrEqual(1250)

    expect(backOff.wait('d', 2000), 'the probe').toBe(0)
    expect(backOff.wait('e', 2000), 'one probe at a time').toBeGreaterThan(0)
    backOff.failed('d', 2000, true)
    expect(backOff.wait('e', 2000 + 1400), 'the outage delay doubled').toBeGreaterThan(0)
    expect(backOff.wait('e', 2000 + 2600)).toBe(0)
    backOff.succeeded('e')
    for (const id of ['a', 'b', 'c', 'd', 'f']) expect(backOff.wait(id, 2600), id).toBe(0)
  })

  it('a lock not had in time backs the session off, but is no outage', () => {
    const backOff = new BackOff()
    for (const id of ['a', 'b', 'c', 'd']) backOff.failed(id, 0, false)
    expect(backOff.wait('a', 0)).toBeGreaterThan(0)
    expect(backOff.wait('e', 0)).toBe(0)
  })

  it('a success between failures of different sessions is no outage', () => {
    const backOff = new BackOff()
    backOff.failed('a', 0, true)
    backOff.failed('b', 0, true)
    backOff.succeeded('x')
    backOff.failed('c', 0, true)
    expect(backOff.wait('d', 0)).toBe(0)
  })
})

describe('within', () => {
  it('answers the promise, or TIMED_OUT after the cap while the promise goes on', async () => {
    expect(await within(Promise.resolve(1), 50)).toBe(1)
    await expect(within(Promise.reject(new Error('no')), 50)).rejects.toThrow('no')
    let settled = false
    const slow = new Promise<number>((resolve) => setTimeout(() => resolve(2), 80)).then((v) => ((settled = true), v))
    expect(await within(slow, 20)).toBe(TIMED_OUT)
    expect(settled).toBe(false)
    expect(await slow).toBe(2)
  })
})
