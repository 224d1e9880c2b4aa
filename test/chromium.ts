// A real headless Chromium (Debian's) for the tests of pages, driven by playwright-core, closed
// with the test. `*.localhost` resolves to 127.0.0.1, so any Host can be tried against Paastis.
import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import type { Browser } from 'playwright-core'
import type { Test } from 'tap'

export const CHROMIUM = '/usr/bin/chromium'
/** Screenshots taken by the tests (ignored by git). */
export const ARTIFACTS = path.join(__dirname, 'artifacts')

export async function launchChromium (t: Test): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`)
  mkdirSync(ARTIFACTS, { recursive: true })
  const { chromium } = await import('playwright-core')
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP *.localhost 127.0.0.1']
  })
  t.teardown(() => browser.close())
  return browser
}
