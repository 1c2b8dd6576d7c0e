/**
 * A debug story a person can follow: every refused sign-in logs one warning with the
 * reason code and the provider's own error; a discovery whose issuer differs names both
 * issuers; the development error page says what to fix, the production one only a reference.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { drivers } from './drivers.js'
import { summary } from './expectations.js'
import { useHarness, type Harness } from './harness.js'

function capture(): { lines: string[]; logger: { warn(m: string): void; error(m: string): void } } {
  const lines: string[] = []
  return { lines, logger: { warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) } }
}

async function wrongSecret(harness: Harness) {
  const { lines, logger } = capture()
  await harness.startApp({ clientSecret: 'not-the-client-secret', logger })
  const dance = await harness.dance()
  return { dance, lines }
}

describe.each(drivers)('$name: debug story', (driver) => {
  const harness = useHarness(driver)
  const nodeEnv = process.env.NODE_ENV
  afterEach(() => {
    process.env.NODE_ENV = nodeEnv
  })

  it('a wrong client secret: one warning with the reason and invalid_client, and a page that says what to fix', async () => {
    const { dance, lines } = await wrongSecret(harness)
    expect(dance.callback.status, summary(dance.callback)).toBe(400)
    const refused = lines.filter((l) => l.includes('sign-in refused'))
    expect(refused, lines.join('\n')).toHaveLength(1)
    expect(refused[0]).toMatch(
      /^warn sign-in refused \[token_exchange_failed, provider error invalid_client\] ref [0-9a-f]{8}/,
    )
    expect(refused[0]).toContain('check OIDC_CLIENT_SECRET')
    expect(dance.callback.body).toContain('the provider refused the client credentials: check OIDC_CLIENT_SECRET')
  })

  it('a wrong client secret in production: the page gives only the reference that is in the log', async () => {
    process.env.NODE_ENV = 'production'
    const { dance, lines } = await wrongSecret(harness)
    expect(dance.callback.status, summary(dance.callback)).toBe(400)
    expect(dance.callback.body).not.toContain('OIDC_CLIENT_SECRET')
    expect(dance.callback.body).not.toContain('invalid_client')
    const reference = /ref ([0-9a-f]{8})/.exec(lines.join('\n'))?.[1]
    expect(reference).toBeDefined()
    // Express's default handler shows only the status text in production.
    if (!driver.name.startsWith('express')) expect(dance.callback.body).toContain(`Reference: ${reference!}`)
  })

  it("the provider's own error at the authorization endpoint is in the warning", async () => {
    const { lines, logger } = capture()
    await harness.startApp({ logger })
    harness.rogue.bend({ authorize: { error: 'unauthorized_client' } })
    const dance = await harness.dance()
    expect(dance.callback.status, summary(dance.callback)).toBe(400)
    expect(lines.filter((l) => l.includes('sign-in refused'))).toEqual([
      expect.stringMatching(/\[provider_error, provider error unauthorized_client\].*check the client's registration/),
    ])
  })

  it('a discovery whose issuer differs names both issuers', async () => {
    const { lines, logger } = capture()
    await harness.startApp({ logger })
    harness.rogue.bend({ discovery: { issuer: 'https://login.example.com/realms/other' } })
    const login = await harness.browser().navigate(harness.url('/login'))
    expect(login.status, summary(login)).toBe(503)
    const log = lines.join('\n')
    expect(log).toContain('"https://login.example.com/realms/other"')
    expect(log).toContain(`"${harness.rogue.issuer}/"`)
    expect(log).toContain('OIDC_ISSUER')
  })
})
