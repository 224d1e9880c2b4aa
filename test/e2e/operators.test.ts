// What an operator sees, for a scripted day (an injected clock): app `alpha` asleep 20 h, app
// `beta` never. The same figures in /savings, /apps, /metrics, the CLI (a real `paastis`
// process) and the dashboard (real headless Chromium), all against one real Paastis.
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { ARTIFACTS, launchChromium } from '../chromium'
import { appsYaml, build, freePort, ManualClock } from '../helper'
import { runPaastis } from './paastis-process'

const TOKEN = 'operator-token-42'
const DAY = Date.parse('2026-11-30T00:00:00Z')
const HOUR = 3_600_000
const ADMIN_HOST = 'paastis.localhost'

async function scriptedDay (t: Test) {
  const [a, b] = [await freePort(), await freePort()]
  const clock = new ManualClock(DAY)
  const yaml = `${appsYaml([{ name: 'alpha', port: a }, { name: 'beta', port: b }])}
rules:
  - pattern: '^alpha$'
    app_max_idle_time: 2h
    cost_per_hour: 0.5
  - pattern: '^beta$'
    app_max_idle_time: never
`
  const server = await build(t, { yaml, clock, listen: true, env: { ROUTING_SYSTEM_API_TOKEN: TOKEN, ADMIN_HOST } })
  const port = (server.server.address() as AddressInfo).port
  const admin = async (method: 'GET' | 'POST', url: string) => {
    const response = await request(`http://127.0.0.1:${port}${url}`, { method, headers: { host: ADMIN_HOST, authorization: `Bearer ${TOKEN}` } })
    return { status: response.statusCode, headers: response.headers, body: await response.body.json() }
  }
  // 00:00 both woken; 02:00 alpha stopped for idleness; 22:00 a visitor wakes it; 24:00 the report.
  t.equal((await admin('POST', '/apps/alpha/start?wait=true')).status, 200)
  t.equal((await admin('POST', '/apps/beta/start?wait=true')).status, 200)
  clock.advance(2 * HOUR)
  t.same((await server.reconciler.tick()).stopped, ['alpha'], 'alpha stopped at 02:00 for idleness')
  clock.advance(20 * HOUR)
  const visit = await request(`http://127.0.0.1:${port}/`, { headers: { host: 'alpha.example.com' } })
  t.equal(visit.statusCode, 200, 'a visitor wakes alpha at 22:00')
  await visit.body.dump()
  clock.advance(2 * HOUR)
  return { server, port, admin, clock }
}

t.test('a scripted day: exact figures in /savings, /apps, /metrics and the CLI', async (t) => {
  const { server, port, admin } = await scriptedDay(t)
  const savings = await admin('GET', '/savings?from=2026-11-30&to=2026-12-01')
  t.equal(savings.status, 200)
  t.same(savings.body, {
    from: '2026-11-30T00:00:00.000Z',
    to: '2026-12-01T00:00:00.000Z',
    dryRun: false,
    currency: 'EUR',
    hoursAsleep: 20,
    hoursRunning: 28,
    saved: 10,
    hoursWouldSleep: 0,
    wouldHaveSaved: 0,
    apps: [
      { app: 'alpha', hoursAsleep: 20, hoursRunning: 4, costPerHour: 0.5, saved: 10, hoursWouldSleep: 0, wouldHaveSaved: 0, days: [{ date: '2026-11-30', hoursAsleep: 20, hoursRunning: 4 }] },
      { app: 'beta', hoursAsleep: 0, hoursRunning: 24, costPerHour: null, saved: null, hoursWouldSleep: 0, wouldHaveSaved: null, days: [{ date: '2026-11-30', hoursAsleep: 0, hoursRunning: 24 }] }
    ],
    days: [{ date: '2026-11-30', hoursAsleep: 20, saved: 10 }]
  })
  const apps = (await admin('GET', '/apps')).body as Array<{ name: string, accounting: Record<string, unknown> }>
  t.match(apps.find((app) => app.name === 'alpha')?.accounting, {
    firstSeenAt: '2026-11-30T00:00:00.000Z',
    asleepSeconds: 72_000,
    runningSeconds: 14_400,
    wakes: 2,
    failedWakes: 0,
    lastStartAt: '2026-11-30T22:00:00.000Z',
    lastStopAt: '2026-11-30T02:00:00.000Z'
  })
  t.match(apps.find((app) => app.name === 'beta')?.accounting, { asleepSeconds: 0, runningSeconds: 86_400, wakes: 1, lastStopAt: null })
  t.equal(typeof apps[0].accounting.medianWakeMs, 'number')
  const metrics = await server.inject({ url: '/metrics', headers: { host: ADMIN_HOST, authorization: `Bearer ${TOKEN}` } })
  t.match(metrics.body, /paastis_app_asleep_seconds_total\{app="alpha",provider="command"\} 72000\n/)
  t.match(metrics.body, /paastis_app_asleep_seconds_total\{app="beta",provider="command"\} 0\n/)
  t.match(metrics.body, /paastis_app_wakes_total\{app="alpha",provider="command"\} 2\n/)
  await request(`http://127.0.0.1:${port}/`, { headers: { host: 'stranger-1.example.com' } }).then((r) => r.body.dump())
  const after = await server.inject({ url: '/metrics', headers: { host: ADMIN_HOST, authorization: `Bearer ${TOKEN}` } })
  t.notMatch(after.body, /stranger/, "a stranger's Host adds no series")

  t.test('pages of /events, linked by the Link header', async (t) => {
    const first = await admin('GET', '/events?app=alpha&limit=2')
    const firstEvents = first.body as Array<{ id: string }>
    t.equal(firstEvents.length, 2)
    const next = /<([^>]+)>; rel="next"/.exec(String(first.headers.link))?.[1]
    t.match(next, /^\/events\?app=alpha&limit=2&before=\d+$/)
    const second = (await admin('GET', next as string)).body as Array<{ id: string }>
    t.equal(second.length, 2)
    t.ok(Number(second[0].id) < Number(firstEvents[1].id), 'older events on the next page')
    t.equal((await admin('GET', '/events?before=1%3B')).status, 400, 'a malformed cursor is a 400')
  })

  t.test('the CLI shows the same figures', async (t) => {
    const env = { PAASTIS_URL: `http://127.0.0.1:${port}`, PAASTIS_TOKEN: TOKEN }
    const run = async (...args: string[]) => {
      const cli = runPaastis(args, env)
      const code = await cli.exit
      return { code, output: cli.output() }
    }
    const table = await run('savings', '--from', '2026-11-30', '--to', '2026-12-01')
    t.equal(table.code, 0)
    t.match(table.output, /^APP\s+HOURS ASLEEP\s+HOURS RUNNING\s+COST\/HOUR\s+SAVED$/m)
    t.match(table.output, /^alpha\s+20\s+4\s+0\.50 EUR\s+10\.00 EUR$/m, 'money with COST_CURRENCY')
    t.match(table.output, /^beta\s+0\s+24\s+–\s+–$/m)
    t.match(table.output, /^TOTAL\s+20\s+28\s+10\.00 EUR$/m)
    const json = await run('savings', '--from', '2026-11-30', '--to', '2026-12-01', '--json')
    t.same(JSON.parse(json.output), savings.body, '--json is the API answer')
    const list = await run('apps')
    t.match(list.output, /^alpha\s+command\s+running\s+\S+.*\s20\s+2\s+\d+\.\ds$/m)
    const stop = await run('stop', 'beta')
    t.same(stop, { code: 0, output: 'beta: stopped\n' })
    t.match((await run('events', '--app', 'beta')).output, /^\S+ \S+\s+beta\s+stopped\s+admin/m)
    t.same(await run('start', 'beta', '--wait'), { code: 0, output: 'beta: running\n' })
    t.same(await run('pin', 'beta', '--for', '2h'), { code: 0, output: 'beta: running, pinned until 2026-12-01T02:00:00.000Z\n' })
    t.match((await run('apps')).output, /^beta\s+command\s+running\s+– \(pinned\)/m)
    t.same(await run('unpin', 'beta'), { code: 0, output: 'beta: running, not pinned\n' })
    const forless = await run('pin', 'beta')
    t.equal(forless.code, 2)
    t.match(forless.output, /say how long, e\.g\. --for 2h/)
    // Errors that say what to fix
    const wrongToken = runPaastis(['apps'], { ...env, PAASTIS_TOKEN: 'nope' })
    t.equal(await wrongToken.exit, 1)
    t.match(wrongToken.output(), /the token was refused: PAASTIS_TOKEN must be Paastis's ROUTING_SYSTEM_API_TOKEN/)
    const nothing = runPaastis(['apps'], { ...env, PAASTIS_URL: `http://127.0.0.1:${await freePort()}` })
    t.equal(await nothing.exit, 1)
    t.match(nothing.output(), /cannot reach Paastis at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): is it running, and is PAASTIS_URL right\?/)
    const noToken = runPaastis(['apps'], { PAASTIS_URL: env.PAASTIS_URL })
    t.equal(await noToken.exit, 1)
    t.match(noToken.output(), /PAASTIS_TOKEN is not set/)
    const unknown = await run('stop', 'gamma')
    t.same(unknown, { code: 1, output: 'paastis stop: No app named "gamma"\n' })
    const usage = await run('start')
    t.equal(usage.code, 2)
    t.match(usage.output, /give one app name/)
  })
})

t.test('the dashboard in Chromium: sign in, the figures, stop an app with the keyboard, see the event', async (t) => {
  const { server, port } = await scriptedDay(t)
  const browser = await launchChromium(t)
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' })
  const page = await context.newPage()
  const violations: string[] = []
  page.on('console', (message) => { if (/Content.Security.Policy|Refused/i.test(message.text())) violations.push(message.text()) })
  const url = `http://${ADMIN_HOST}:${port}/`
  const first = await page.goto(url)
  t.match(first?.headers()['content-security-policy'], /default-src 'none'; script-src 'self'/)
  await page.waitForSelector('#sign-in:not([hidden])')
  await page.fill('#token', 'wrong')
  await page.click('#sign-in-form button')
  await page.waitForSelector('#sign-in-error:has-text("refused")')
  t.equal(await page.textContent('#sign-in-error'), 'This token was refused.')
  await page.fill('#token', TOKEN)
  await page.keyboard.press('Enter')
  await page.waitForSelector('#apps tbody tr[data-app="beta"]')
  t.equal(await page.textContent('#hours-saved'), '20 h', 'the 30-day savings: alpha slept 20 h')
  t.equal(await page.textContent('#money-saved'), '€10.00', 'COST_CURRENCY (EUR), in the viewer\'s locale')
  t.equal(await page.textContent('tr[data-app="alpha"] td[data-label="Hours saved"]'), '20 h')
  t.equal(await page.textContent('tr[data-app="beta"] td[data-label="Hours saved"]'), '0 h')
  t.equal(await page.textContent('tr[data-app="beta"] .state'), 'running')
  t.equal(await page.getAttribute('#chart svg', 'aria-label'), '2026-11-30: 20 h', 'the chart: one day, 20 h')
  const cookies = await context.cookies()
  t.match(cookies, [{ name: 'paastis_session', httpOnly: true, sameSite: 'Strict' }])
  t.equal(await page.evaluate('document.cookie'), '', 'the script cannot read the session')
  t.notMatch(page.url(), /operator-token/, 'the token never in a URL')
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-desktop.png'), fullPage: true })

  // The keyboard alone: focus the button, press Enter.
  await page.focus('button[aria-label="Stop beta"]')
  await page.keyboard.press('Enter')
  await page.waitForSelector('tr[data-app="beta"] .state:has-text("stopped")')
  t.equal(server.registry.get('beta')?.state, 'stopped')
  t.match(await page.textContent('#action-status'), 'beta: stopped')
  await page.waitForSelector('#events li:has-text("stopped beta")')
  t.match(await page.textContent('#events li'), /stopped beta.*admin/)
  t.same(violations, [], 'no Content-Security-Policy violation')

  await page.click('button[aria-label="Pin alpha"]')
  await page.waitForSelector('tr[data-app="alpha"] .pin')
  t.match(await page.textContent('tr[data-app="alpha"] td[data-label="Stops in"]'), /^2 h pinned until /)
  t.equal(server.registry.get('alpha')?.pinnedUntil, DAY + 26 * HOUR, 'pinned for 2 h from the (injected) now')
  await page.click('button[aria-label="Unpin alpha"]')
  await page.waitForSelector('tr[data-app="alpha"] button[aria-label="Pin alpha"]')
  t.equal(server.registry.get('alpha')?.pinnedUntil, null)

  // Phone width, dark mode
  await page.setViewportSize({ width: 390, height: 844 })
  await page.emulateMedia({ colorScheme: 'dark' })
  const width = await page.evaluate('document.documentElement.scrollWidth') as number
  t.ok(width <= 390, `nothing wider than the phone (${width} px)`)
  const background = await page.evaluate('getComputedStyle(document.body).backgroundColor')
  t.equal(background, 'rgb(20, 20, 19)', 'dark colours')
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-phone-dark.png'), fullPage: true })

  // A page of another site cannot make the dashboard's calls: no CSRF token, no change.
  const session = cookies[0].value
  const forged = await request(`http://127.0.0.1:${port}/apps/alpha/stop`, {
    method: 'POST', headers: { host: ADMIN_HOST, cookie: `paastis_session=${session}`, origin: 'https://evil.example' }
  })
  t.equal(forged.statusCode, 403)
  t.match(await forged.body.json(), { code: 'CSRF_FAILED' })
  t.equal(server.registry.get('alpha')?.state, 'running', 'nothing changed')
  const read = await request(`http://127.0.0.1:${port}/apps`, { headers: { host: ADMIN_HOST, cookie: `paastis_session=${session}` } })
  t.equal(read.statusCode, 200, 'reading needs the session only')
  await read.body.dump()
  const tampered = await request(`http://127.0.0.1:${port}/apps`, { headers: { host: ADMIN_HOST, cookie: `paastis_session=9${session}` } })
  t.equal(tampered.statusCode, 401, 'a forged cookie is refused')
  await tampered.body.dump()
  const proxied = await request(`http://127.0.0.1:${port}/`, { headers: { host: 'alpha.example.com' } })
  t.match(await proxied.body.json(), { app: 'alpha' }, "/ on an app's Host is the app, never the dashboard")

  await page.click('#sign-out')
  await page.waitForSelector('#sign-in:not([hidden])')
  t.same((await context.cookies()).filter((cookie) => cookie.value !== ''), [], 'signed out: the cookie is gone')
})
