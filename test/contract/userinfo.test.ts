import { describe, expect, it } from 'vitest'
import { drivers } from './drivers.js'
import { cookiesSet, expectSignedIn, summary } from './expectations.js'
import { useHarness } from './harness.js'

describe.each(drivers)('$name: userinfo', (driver) => {
  const harness = useHarness(driver)

  it('merges userinfo claims into the session at sign-in when asked', async () => {
    await harness.startApp({ userInfo: true })
    harness.rogue.bend({ userinfo: { department: 'platform' } })
    const user = await expectSignedIn(harness, await harness.dance())
    expect(user).toMatchObject({ sub: 'alice', department: 'platform' })
  })

  it('refuses the sign-in when the userinfo response is for another sub', async () => {
    await harness.startApp({ userInfo: true })
    harness.rogue.bend({ userinfo: { sub: 'mallory', groups: ['admins', 'root'] } })
    const dance = await harness.dance()
    expect(dance.callback.status, summary(dance.callback)).toBe(502)
    expect(cookiesSet(dance.callback)).toEqual([])
    expect((await harness.me(dance.browser)).status).toBe(401)
  })
})
