import { describe, expect, it } from 'vitest'
import { drivers } from './drivers.js'
import { cookiesSet, expectSignedIn, summary } from './expectations.js'
import { useHarness } from './harness.js'

describe.each(drivers)('$name scratch', (driver) => {
  const h = useHarness(driver)
  it('many logins', async () => {
    const b = h.browser()
    for (let i = 0; i < 50; i++) await b.navigate(h.url('/login'))
    console.log('cookies', b.jar.all(h.url('/')).length, (b.jar.header(h.url('/callback')) ?? '').length)
    const home = await b.navigate(h.url('/'))
    console.log('home', summary(home))
    const d = await h.dance({ browser: b })
    console.log('cb', summary(d.callback))
  })
  it('cookie attrs', async () => {
    const d = await h.dance()
    console.log('login set', d.login.setCookies, 'cb set', d.callback.setCookies)
    await expectSignedIn(h, d)
  })
  it('fixation', async () => {
    h.rogue.bend({ claims: { sub: 'mallory' } })
    const a = await h.dance()
    const planted = cookiesSet(a.callback)
    h.rogue.reset()
    const victim = h.browser({ jar: a.browser.jar.clone() })
    const d = await h.dance({ browser: victim })
    console.log('planted', planted, 'victim got', d.callback.setCookies)
    console.log('attacker me', (await h.me(a.browser)).body)
  })
})
