/**
 * Debian's Chromium driven by playwright-core (a fresh temporary profile per launch): no
 * browser download, loopback only. When
 * Chromium is missing the suite fails with what to install, never skips.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: run \`node scripts/system-deps.mjs\` (apt-get install chromium) or set CHROMIUM_PATH`,
    )
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/** Where a suite's screenshots go, for a person to look at: test/browser/screenshots/<name>/, emptied first. */
export function screenshotDir(name: string): string {
  const dir = new URL(`./screenshots/${name}/`, import.meta.url).pathname
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  return dir
}
