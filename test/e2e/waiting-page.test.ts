// What a visitor sees while an app wakes, when it fails, and when there is nothing there: real
// headless Chromium against a real Paastis, screenshots at desktop and phone width in
// test/artifacts/.
import { writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { ARTIFACTS, launchChromium as browser } from '../chromium'
import { appsYaml, build, eventually, freePort, portOf, raw, type LogLine } from '../helper'

const PHONE = { width: 390, height: 844 }

t.test('before and after a wake: held for page_after, then the page with the expected wait, then the app', async (t) => {
  const [slow, quick] = [await freePort(), await freePort()]
  const server = await build(t, {
    // `quick` answers within its page_after however busy the machine (no one-second margin): it must never be paged.
    yaml: appsYaml([{ name: 'slow', port: slow, env: { READY_DELAY_MS: '3000' } }, { name: 'quick', port: quick, env: { READY_DELAY_MS: '1000' } }]) +
      "rules:\n  - pattern: '^quick$'\n    page_after: 2m\n",
    env: { WAKE_STRATEGY: 'page', WAITING_PAGE_TITLE: 'Acme <staging>', WAITING_PAGE_CONTACT_URL: 'mailto:ops@example.com' },
    listen: true
  })
  const port = portOf(server)
  // A first wake and stop, so that the page knows how long this app usually takes.
  const woke = await server.lifecycle.wake('slow', 'test')
  await server.lifecycle.stop('slow', 'admin')
  // What the page will say: the measured wake, in whole seconds (3 s on an idle machine, more on a busy one).
  const expected = String(Math.max(1, Math.round(woke.totalMs / 1000)))
  const chromium = await browser(t)
  const page = await chromium.newPage({ viewport: { width: 1280, height: 800 } })

  const quickAnswer = await page.goto(`http://quick.localhost:${port}/page`)
  t.equal(quickAnswer?.status(), 200, 'an app that answers within its page_after never shows the page')
  t.equal(await page.textContent('#own'), "The app's own page")

  const begin = Date.now()
  const first = await page.goto(`http://slow.localhost:${port}/page`)
  t.equal(first?.status(), 503)
  t.ok(Date.now() - begin >= 1900, 'the page came only after page_after')
  t.equal(await page.title(), 'Waking slow… · Acme <staging>', 'branding, escaped in the page')
  t.ok(Number(await page.textContent('#elapsed')) >= 2, 'the counter counts from the request: it was held page_after (2 s) before the page')
  t.match(await page.content(), /Acme &lt;staging&gt;/)
  t.match(await page.textContent('#elapsed-line'), new RegExp(`usually ready in about ${expected} s`))
  t.equal(await page.getAttribute('#progress', 'max'), expected)
  t.match(await page.getAttribute('footer a', 'href'), 'mailto:ops@example.com')
  await page.screenshot({ path: path.join(ARTIFACTS, 'waiting-desktop.png') })
  await page.setViewportSize(PHONE)
  await page.emulateMedia({ colorScheme: 'dark' })
  await page.screenshot({ path: path.join(ARTIFACTS, 'waiting-phone-dark.png') })
  t.ok(await page.evaluate('document.documentElement.scrollWidth') as number <= PHONE.width, 'fits a phone')
  await page.waitForSelector('#own', { timeout: 15_000 })
  t.equal(await page.textContent('#own'), "The app's own page", 'the page opened the app once it answered')
  await page.screenshot({ path: path.join(ARTIFACTS, 'waiting-after.png') })

  const held = await request(`http://127.0.0.1:${port}/`, { headers: { host: 'slow.localhost', accept: '*/*', 'user-agent': 'curl/8' } })
  t.equal(held.statusCode, 200, 'an API client is never given the page')
  await held.body.dump()
  const post = await server.inject({ method: 'POST', url: '/', headers: { host: 'slow.localhost', accept: 'text/html' } })
  t.equal(post.statusCode, 200, 'never a page for a POST')
})

t.test('after a failure: the counter stops, a plain message, a styled retry; the detail stays with the operator', async (t) => {
  const port = await freePort()
  const server = await build(t, {
    yaml: `${appsYaml([{ name: 'stuck', port, env: { READY_DELAY_MS: '60000' } }])}rules:\n  - pattern: '^stuck$'\n    wake_timeout: 2s\n    page_after: 300ms\n`,
    env: { WAKE_STRATEGY: 'page' },
    listen: true
  })
  const chromium = await browser(t)
  const page = await chromium.newPage({ viewport: { width: 1280, height: 800 } })
  await page.goto(`http://stuck.localhost:${portOf(server)}/`)
  t.equal(await page.textContent('#heading'), 'Please wait: waking stuck…')
  t.equal(await page.title(), 'Waking stuck… · Please wait')
  await page.waitForSelector('#retry:not([hidden])', { timeout: 15_000 })
  t.equal(await page.textContent('#heading'), 'This app could not be started')
  t.equal(await page.title(), 'stuck could not be started · Please wait', 'the tab says what happened')
  t.equal(await page.textContent('#status'), 'It did not start this time. Please try again in a moment.')
  const text = await page.innerText('body')
  t.notMatch(text, /within|exited|2000 ms|timeout/i, "none of the operator's words")
  const counter = await page.textContent('#elapsed')
  await new Promise((resolve) => setTimeout(resolve, 1200))
  t.equal(await page.textContent('#elapsed'), counter, 'the counter stopped')
  t.equal(await page.evaluate('document.activeElement.id'), 'retry', 'the retry button has the focus')
  t.not(await page.evaluate("getComputedStyle(document.getElementById('retry')).backgroundColor"), 'rgba(0, 0, 0, 0)', 'and a style')
  t.notOk(await page.isVisible('#progress'), 'no progress bar once failed')
  await page.screenshot({ path: path.join(ARTIFACTS, 'waiting-failed.png') })
  await page.setViewportSize(PHONE)
  await page.screenshot({ path: path.join(ARTIFACTS, 'waiting-failed-phone.png') })
  const status = await server.inject({ url: '/', headers: { host: 'stuck.localhost', 'x-paastis-status': '1' } })
  t.same(status.json(), { app: 'stuck', state: 'failed', failed: true, fallback: null }, 'the status the page polls holds no detail')
  t.match(server.events.list({ app: 'stuck', type: 'start_failed' })[0], { message: /within/ }, 'the detail is in the events')
})

t.test('one look for the 404, 502 and 503 pages, with the branding', async (t) => {
  const port = await freePort()
  const server = await build(t, {
    yaml: appsYaml([{ name: 'doomed', port, env: { CRASH_ON_START: '1' } }]),
    env: { WAITING_PAGE_TITLE: 'Acme', WAITING_PAGE_LOGO_URL: 'https://cdn.example.com/logo.svg', WAITING_PAGE_CONTACT_URL: 'https://example.com/help' },
    listen: true
  })
  const html = { accept: 'text/html' }
  const missing = await server.inject({ url: '/', headers: { ...html, host: 'nothing.localhost' } })
  t.equal(missing.statusCode, 404)
  t.match(missing.body, /<h1>Nothing is served here<\/h1>/)
  const failed = await server.inject({ url: '/', headers: { ...html, host: 'doomed.localhost' } })
  t.equal(failed.statusCode, 503)
  t.match(failed.body, /<h1>This app could not be started<\/h1>/)
  t.notMatch(failed.body, /exited|crashing/, "the app's own words stay in the events")
  for (const body of [missing.body, failed.body]) {
    t.match(body, /prefers-color-scheme:dark/, 'dark mode')
    t.match(body, /<img class="logo" src="https:&#x2F;&#x2F;cdn.example.com&#x2F;logo.svg"/, 'the logo (its URL escaped as an attribute)')
    t.match(body, />Contact us<\/a>/)
  }
  const chromium = await browser(t)
  const page = await chromium.newPage({ viewport: { width: 1280, height: 800 } })
  await page.route('https://cdn.example.com/**', (route) => route.fulfill({ contentType: 'image/svg+xml', body: '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="32"><rect width="120" height="32" fill="#2f5bd3"/></svg>' }))
  await page.goto(`http://nothing.localhost:${portOf(server)}/`)
  t.equal(await page.getAttribute('img.logo', 'src'), 'https://cdn.example.com/logo.svg')
  t.equal(await page.getAttribute('footer a', 'href'), 'https://example.com/help')
  await page.screenshot({ path: path.join(ARTIFACTS, 'page-404.png') })
  await page.goto(`http://doomed.localhost:${portOf(server)}/`)
  await page.screenshot({ path: path.join(ARTIFACTS, 'page-503.png') })
  t.equal(await page.textContent('h1'), 'This app could not be started')
})

t.test('WAITING_PAGE_TEMPLATE: the operator\'s page, values escaped; a bad one stops the start', async (t) => {
  const dir = t.testdir({
    'page.html': '<!doctype html><title>{{title}}</title><h1 id="mine">{{app}} in {{expectedSeconds}} s</h1>{{{script}}}',
    'broken.html': '{{#open}} never closed'
  })
  const port = await freePort()
  const server = await build(t, {
    yaml: `${appsYaml([{ name: 'custom', port, env: { READY_DELAY_MS: '3000' } }])}rules:\n  - pattern: custom\n    page_after: 0s\n`,
    env: { WAKE_STRATEGY: 'page', WAITING_PAGE_TEMPLATE: path.join(dir, 'page.html'), WAITING_PAGE_TITLE: '"><script>alert(1)</script>' }
  })
  const page = await server.inject({ url: '/', headers: { host: 'custom.localhost', accept: 'text/html' } })
  t.equal(page.statusCode, 503)
  t.match(page.body, /^<!doctype html><title>&quot;&gt;&lt;script&gt;alert\(1\)&lt;&#x2F;script&gt;<\/title><h1 id="mine">custom in {2}s<\/h1><script data-waited-ms="\d+" data-failed-title="custom could not be started · &quot;&gt;&lt;script&gt;alert\(1\)&lt;&#x2F;script&gt;">/, 'the title after a failure is escaped too')
  await t.rejects(build(t, { env: { WAITING_PAGE_TEMPLATE: path.join(dir, 'broken.html') } }), /WAITING_PAGE_TEMPLATE: Unclosed section "open"/)
  await t.rejects(build(t, { env: { WAITING_PAGE_TEMPLATE: path.join(dir, 'absent.html') } }), /WAITING_PAGE_TEMPLATE: .*absent\.html cannot be read \(ENOENT\)/)
  writeFileSync(path.join(dir, 'noscript.html'), '<p>{{app}}</p>')
  const logs: Array<{ level: number, msg: string }> = []
  await build(t, { env: { WAITING_PAGE_TEMPLATE: path.join(dir, 'noscript.html') }, logs })
  t.ok(logs.some((line) => line.level === 40 && /has no \{\{\{script\}\}\}/.test(line.msg)), 'a template without the script is warned about')
})

t.test('fallback: browsers are redirected, APIs proxied when the rule says so, else they get the error', async (t) => {
  const status = http.createServer((req, res) => res.end(JSON.stringify({ fallback: true, path: req.url })))
  await new Promise<void>((resolve) => status.listen(0, '127.0.0.1', resolve))
  t.teardown(() => status.close())
  const fallback = `http://127.0.0.1:${(status.address() as AddressInfo).port}`
  const [a, b] = [await freePort(), await freePort()]
  const server = await build(t, {
    yaml: `${appsYaml([{ name: 'api', port: a, env: { CRASH_ON_START: '1' } }, { name: 'site', port: b, env: { READY_DELAY_MS: '60000' } }])}rules:
  - pattern: '^api$'
    fallback: ${fallback}
    fallback_proxy: true
  - pattern: '^site$'
    fallback: ${fallback}/status
    wake_timeout: 1s
    page_after: 200ms
`,
    env: { WAKE_STRATEGY: 'page' },
    listen: true
  })
  const port = portOf(server)
  const proxied = await request(`http://127.0.0.1:${port}/v1/orders?x=1`, { headers: { host: 'api.localhost' } })
  t.equal(proxied.statusCode, 200, 'an API request whose wake failed is proxied to the fallback')
  t.same(await proxied.body.json(), { fallback: true, path: '/v1/orders?x=1' })
  t.equal(server.registry.get('api')?.state, 'failed', 'and the app is not marked as anything else')
  const browserLike = await request(`http://127.0.0.1:${port}/`, { headers: { host: 'api.localhost', accept: 'text/html' } })
  t.equal(browserLike.statusCode, 307)
  t.equal(browserLike.headers.location, fallback, 'a browser is redirected')
  await browserLike.body.dump()
  const apiNoProxy = await request(`http://127.0.0.1:${port}/`, { headers: { host: 'site.localhost' } })
  t.equal(apiNoProxy.statusCode, 503, 'without fallback_proxy, an API client gets the error')
  await apiNoProxy.body.dump()

  // The waiting page, once the wake failed, sends the browser to the fallback.
  await server.lifecycle.stop('site', 'admin').catch(() => {})
  const chromium = await browser(t)
  const page = await chromium.newPage()
  await page.goto(`http://site.localhost:${port}/`)
  await page.waitForURL(`${fallback}/status`, { timeout: 20_000 })
  t.match(await page.textContent('body'), /"fallback":true/)
})

t.test('a browser that leaves during page_after, or during the fallback: the wake goes on, nothing is left open, nothing is logged loud', async (t) => {
  const [slow, doomed] = [await freePort(), await freePort()]
  const logs: LogLine[] = []
  const server = await build(t, {
    yaml: `${appsYaml([{ name: 'slow', port: slow, env: { READY_DELAY_MS: '1500' } }, { name: 'doomed', port: doomed, env: { CRASH_ON_START: '1' } }])}rules:
  - pattern: '^doomed$'
    fallback: http://127.0.0.1:9/status
`,
    // Memory chosen: the start's warning about it is not this test's business.
    env: { WAKE_STRATEGY: 'page', WAITING_PAGE_AFTER: '1s', EVENTS_STORE_TYPE: 'memory' },
    listen: true,
    logs
  })
  const port = portOf(server)
  const navigation = (host: string): string => `GET / HTTP/1.1\r\nHost: ${host}\r\nAccept: text/html\r\nSec-Fetch-Mode: navigate\r\n\r\n`
  const left = await raw(port, navigation('slow.localhost'), { ms: 300 })
  t.equal(left.text, '', 'the client left before page_after')
  t.ok(await eventually(() => server.registry.get('slow')?.state === 'running', 10_000), 'the wake went on')
  t.equal(server.registry.inflightCount('slow'), 0, 'no exchange left counted')
  const gone = await raw(port, navigation('doomed.localhost'), { ms: 50 })
  t.equal(gone.text, '')
  t.ok(await eventually(() => server.registry.get('doomed')?.state === 'failed', 10_000))
  t.equal(server.registry.inflightCount('doomed'), 0)
  const redirected = await raw(port, navigation('doomed.localhost'), { until: (text) => text.includes('\r\n\r\n') })
  t.match(redirected.text, /^HTTP\/1\.1 307 .*\r\nlocation: http:\/\/127\.0\.0\.1:9\/status\r\n/is, 'and the next browser is sent to the fallback')
  t.same(logs.filter((line) => line.level >= 40 && line.component !== 'lifecycle' && line.component !== 'scheduler' && !/could not be started/.test(line.msg)).map((line) => line.msg), [], 'no warning, no stack')
})
