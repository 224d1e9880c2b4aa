// The dashboard as a daily view, in real headless Chromium against a real Paastis: live (a change
// made elsewhere shows without a reload, through the event stream), a link to each app, the pin's
// length chosen, the timeline filtered and paged, dates in the viewer's zone, the phone layout of
// each cell, a favicon. Screenshots in test/artifacts/.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { EVENT_TYPES } from '../../lib/core/event-store'
import { ARTIFACTS, launchChromium } from '../chromium'
import { appsYaml, build, freePort, ManualClock, portOf } from '../helper'

const TOKEN = 'daily-view-token'
const ADMIN_HOST = 'paastis.localhost'
const HOUR = 3_600_000

t.test('the timeline\'s type filter offers every event type there is', async (t) => {
  const html = readFileSync(path.join(__dirname, '..', '..', 'dashboard', 'index.html'), 'utf8')
  const select = /<select id="event-type">([\s\S]*?)<\/select>/.exec(html)?.[1] ?? ''
  t.same([...select.matchAll(/<option value="([^"]*)">/g)].map((match) => match[1]), ['', ...EVENT_TYPES])
})

t.test('a daily view: live, linked, pinned for the time chosen, a timeline filtered and paged in the viewer\'s zone, a phone layout, a favicon', async (t) => {
  const clock = new ManualClock(Date.parse('2026-12-06T09:00:00Z'))
  const yaml = `${appsYaml([{ name: 'alpha', port: await freePort() }, { name: 'beta', port: await freePort() }])}rules:
  - pattern: '^alpha$'
    app_name: alpha
    hosts: [alpha.example.com]
`
  const server = await build(t, { yaml, clock, listen: true, env: { ROUTING_SYSTEM_API_TOKEN: TOKEN, ADMIN_HOST, APPS_URL: 'https://{app}.apps.example.com/' } })
  await server.lifecycle.wake('alpha', 'test')
  await server.lifecycle.wake('beta', 'test')
  // More events than a page holds (30): pins and unpins of beta.
  for (let i = 0; i < 16; i++) {
    await server.lifecycle.pin('beta', clock.now() + HOUR, 'test')
    await server.lifecycle.pin('beta', null, 'test')
  }
  const browser = await launchChromium(t)
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Asia/Tokyo' })
  const page = await context.newPage()
  const violations: string[] = []
  page.on('console', (message) => { if (/Content.Security.Policy|Refused/i.test(message.text())) violations.push(message.text()) })
  await page.goto(`http://${ADMIN_HOST}:${portOf(server)}/`)
  await page.fill('#token', TOKEN)
  await page.keyboard.press('Enter')
  await page.waitForSelector('#apps tbody tr[data-app="beta"]')

  // Live: once the stream is open the lists are read every 30 s only, so a change made elsewhere
  // that shows within 10 s came through the stream.
  await page.waitForSelector('#live:text-matches("^Live · ")')
  let toldAt = 0
  server.events.on('event', (event) => { if (event.app === 'alpha' && event.type === 'stopped') toldAt = Date.now() })
  t.match(await server.lifecycle.stop('alpha', 'admin'), { stopped: true })
  await page.waitForSelector('tr[data-app="alpha"] .state:text-is("stopped")', { timeout: 10_000 })
  t.comment(`the stop showed ${Date.now() - toldAt} ms after its event`)
  t.pass('a stop made outside the dashboard shows without a reload')

  // A link to each app: its host in paastis.yml, else APPS_URL.
  const link = async (app: string) => await page.evaluate(`(({ href, target, rel }) => [href, target, rel])(document.querySelector('tr[data-app="${app}"] td[data-label="App"] a'))`)
  t.same(await link('alpha'), ['https://alpha.example.com/', '_blank', 'noopener noreferrer'])
  t.same(await link('beta'), ['https://beta.apps.example.com/', '_blank', 'noopener noreferrer'])

  // The pin's length, chosen.
  await page.selectOption('#pin-for', '8h')
  await page.click('button[aria-label="Pin beta"]')
  await page.waitForSelector('#action-status:text-is("beta: running, pinned for 8 h")')
  t.equal(server.registry.get('beta')?.pinnedUntil, clock.now() + 8 * HOUR, 'pinned for 8 h, as chosen')

  // Dates in the viewer's zone, in the times and inside the words.
  const until = new Date(clock.now() + 8 * HOUR)
  const pinned = page.locator('#events li', { hasText: 'pinned beta' }).first()
  await pinned.waitFor()
  const words = await pinned.locator('.message').textContent() ?? ''
  t.match(words, `kept awake until ${until.toLocaleString('en-US', { timeZone: 'Asia/Tokyo' })}`, 'Tokyo time, as the viewer lives')
  t.notMatch(words, /\d{4}-\d\d-\d\dT/, 'no ISO instant left')

  // The timeline, filtered by type and by app, and paged.
  await page.selectOption('#event-type', 'pinned')
  // Selectors, not functions: the page's CSP forbids evaluating strings, and a test must not loosen it.
  await page.waitForSelector('#events .type:not(:text-is("pinned"))', { state: 'detached' })
  t.ok(await page.locator('#events li').count() >= 17, 'the pins only')
  await page.selectOption('#event-type', '')
  await page.selectOption('#event-app', 'alpha')
  await page.waitForSelector('#events li > span:nth-child(2):not(:text-matches(" alpha$"))', { state: 'detached' })
  t.ok(await page.locator('#events li .type:text-is("stopped")').count() === 1, "alpha's events only")
  await page.selectOption('#event-app', '')
  await page.waitForSelector('#events-older:not([hidden])')
  t.equal(await page.locator('#events li').count(), 30, 'a page')
  const newest = await page.locator('#events li').first().textContent()
  await page.click('#events-older')
  await page.waitForSelector('#events-newest:not([hidden])')
  const older = await page.locator('#events li').first().textContent()
  t.not(older, newest, 'an older page')
  t.ok(await page.locator('#events li').count() > 0)
  await page.click('#events-newest')
  await page.waitForSelector('#events-newest[hidden]', { state: 'attached' })
  t.equal(await page.locator('#events li').first().textContent(), newest, 'and back to the newest')
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-daily.png'), fullPage: true })

  // The favicon, within the CSP.
  t.equal(await page.getAttribute('link[rel="icon"]', 'href'), '/favicon.svg')
  const icon = await request(`http://127.0.0.1:${portOf(server)}/favicon.svg`, { headers: { host: ADMIN_HOST } })
  t.equal(icon.statusCode, 200)
  t.equal(icon.headers['content-type'], 'image/svg+xml')
  t.match(await icon.body.text(), /^<svg /)
  t.same(violations, [], 'no Content-Security-Policy violation')

  // Phone width: each cell is its label and one value, side by side ("Stops in" no longer split in four).
  await page.setViewportSize({ width: 390, height: 844 })
  const cells = await page.evaluate("[...document.querySelectorAll('#apps tbody td')].map((td) => ({ label: td.dataset.label, children: td.children.length, display: getComputedStyle(td).display }))") as Array<{ label?: string, children: number, display: string }>
  for (const cell of cells) t.same([cell.children, cell.display], [1, 'flex'], `${cell.label ?? '?'}: one value beside its label`)
  const left = await page.evaluate(`(() => {
    const value = document.querySelector('tr[data-app="beta"] td[data-label="Stops in"] .value')
    return value.getBoundingClientRect().left - value.parentElement.getBoundingClientRect().left
  })()`) as number
  t.ok(left > 60, `the value stands right of its label (${left} px in)`)
  t.ok((await page.evaluate('document.documentElement.scrollWidth') as number) <= 390, 'nothing wider than the phone')
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-daily-phone.png'), fullPage: true })
})
