import SwaggerParser from '@apidevtools/swagger-parser'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import t, { type Test } from 'tap'
import { appsYaml, build, freePort } from '../../helper'

const TOKEN = 'test-token-123'
const admin = { host: 'localhost:3000', authorization: `Bearer ${TOKEN}` }

async function withApps (t: Test, env: Record<string, string> = {}) {
  const [a, b] = [await freePort(), await freePort()]
  return build(t, {
    yaml: appsYaml([{ name: 'alpha', port: a }, { name: 'beta', port: b }]) + "rules:\n  - pattern: '^beta$'\n    app_max_idle_time: 2h\n    cost_per_hour: 0.25\n",
    env: { ROUTING_SYSTEM_API_TOKEN: TOKEN, REGISTRY_IGNORED_APPS: 'beta', ...env }
  })
}

t.test('GET /apps and /apps/:name', async (t) => {
  const server = await withApps(t)
  await server.lifecycle.wake('alpha', 'test')
  const list = await server.inject({ url: '/apps', headers: admin })
  t.equal(list.statusCode, 200)
  t.match(list.json(), [
    { name: 'alpha', provider: 'command', state: 'running', maxIdleTime: '15m', timeLeftMs: Number, ignored: false, upstream: /^http:\/\/127\.0\.0\.1:\d+$/ },
    { name: 'beta', state: 'stopped', maxIdleTime: '2h', ignored: true, rules: ['^beta$'], timeLeftMs: null }
  ])
  t.ok(list.json()[0].timeLeftMs > 14 * 60_000, 'time left before stop')
  t.same((await server.inject({ url: '/apps?state=stopped', headers: admin })).json().map((a: { name: string }) => a.name), ['beta'])
  t.same((await server.inject({ url: '/apps?provider=heroku', headers: admin })).json(), [])
  t.equal((await server.inject({ url: '/apps?state=sleeping', headers: admin })).statusCode, 400, 'a bad filter is a 400')
  t.match((await server.inject({ url: '/apps/alpha', headers: admin })).json(), { name: 'alpha', state: 'running' })
  const missing = await server.inject({ url: '/apps/nope', headers: admin })
  t.equal(missing.statusCode, 404)
  t.same(missing.json(), { statusCode: 404, code: 'UNKNOWN_APP', error: 'Not Found', message: 'No app named "nope"' })
})

t.test('auth: bearer or the seed header; missing or wrong token 401; no token configured 404', async (t) => {
  const server = await withApps(t)
  t.equal((await server.inject({ url: '/apps', headers: { host: 'localhost' } })).statusCode, 401)
  const wrong = await server.inject({ url: '/apps', headers: { host: 'localhost', authorization: 'Bearer nope' } })
  t.equal(wrong.statusCode, 401)
  t.match(wrong.json(), { statusCode: 401, code: 'UNAUTHORIZED', error: 'Unauthorized' })
  t.equal((await server.inject({ url: '/apps', headers: { host: 'localhost', paastisproxysystemapitoken: TOKEN } })).statusCode, 200)
  const seed = await server.inject({ url: '/apps', headers: { host: 'anything.example.com', paastisproxytarget: 'system', paastisproxysystemapitoken: TOKEN } })
  t.equal(seed.statusCode, 200, 'the seed header reaches the admin API from any host')
  for (const [method, url] of [['GET', '/apps/alpha'], ['POST', '/apps/alpha/start'], ['POST', '/apps/alpha/stop'], ['DELETE', '/apps'], ['GET', '/events'], ['GET', '/events/stream'], ['GET', '/metrics']] as const) {
    t.equal((await server.inject({ method, url, headers: { host: 'localhost' } })).statusCode, 401, `${method} ${url} needs the token`)
  }

  const closed = await build(t)
  const disabled = await closed.inject({ url: '/apps', headers: { host: 'localhost' } })
  t.equal(disabled.statusCode, 404)
  t.equal(disabled.json().code, 'ADMIN_API_DISABLED')
  const off = await withApps(t, { ROUTING_SYSTEM_API_ENABLED: 'false' })
  t.equal((await off.inject({ url: '/apps', headers: admin })).statusCode, 404, 'ROUTING_SYSTEM_API_ENABLED=false disables it')
  t.equal((await off.inject({ url: '/healthz', headers: { host: 'localhost' } })).statusCode, 200, 'health stays')
})

t.test('admin paths on a proxied vhost are the app\'s own, and the token never reaches it', async (t) => {
  const server = await withApps(t)
  for (const url of ['/apps', '/docs', '/metrics', '/events', '/events/stream', '/healthz']) {
    const response = await server.inject({ url, headers: { host: 'alpha.example.com', authorization: `Bearer ${TOKEN}`, paastisproxysystemapitoken: TOKEN } })
    t.equal(response.statusCode, 200, url)
    t.equal(response.json().url, url, `${url} reached the app`)
    t.notOk('paastisproxysystemapitoken' in response.json().headers, 'the seed token header is stripped')
  }
})

t.test('POST start and stop act on the real app, through the lifecycle', async (t) => {
  const dir = t.testdir({})
  const server = await withApps(t, { HOOKS_BEFORE_STOP: `test ! -e ${dir}/veto` })
  const started = await server.inject({ method: 'POST', url: '/apps/alpha/start?wait=true', headers: admin })
  t.equal(started.statusCode, 200)
  t.equal(started.json().state, 'running')
  const upstream = started.json().upstream as string
  t.equal((await fetch(upstream)).status, 200, 'the app answers on its own port')

  const { writeFileSync, rmSync } = await import('node:fs')
  writeFileSync(`${dir}/veto`, '')
  const vetoed = await server.inject({ method: 'POST', url: '/apps/alpha/stop', headers: admin })
  t.equal(vetoed.statusCode, 409)
  t.match(vetoed.json(), { code: 'STOP_VETOED', message: /before-stop hook vetoed/ })
  rmSync(`${dir}/veto`)

  const stopped = await server.inject({ method: 'POST', url: '/apps/alpha/stop', headers: admin })
  t.equal(stopped.statusCode, 200)
  t.match(stopped.json(), { stopped: true, app: { state: 'stopped' } })
  await t.rejects(fetch(upstream), 'the app process is gone')
  t.match((await server.inject({ method: 'POST', url: '/apps/alpha/stop', headers: admin })).json(), { stopped: false, reason: 'already-stopped' })

  const async = await server.inject({ method: 'POST', url: '/apps/alpha/start', headers: admin })
  t.equal(async.statusCode, 202, 'without wait, 202 while it starts')
  await server.lifecycle.wake('alpha', 'test')
  t.equal(server.registry.get('alpha')?.state, 'running')

  t.equal((await server.inject({ method: 'POST', url: '/apps/beta/start', headers: admin })).statusCode, 409, 'ignored app: 409')
  t.equal((await server.inject({ method: 'POST', url: '/apps/beta/stop', headers: admin })).statusCode, 409)
  t.equal((await server.inject({ method: 'POST', url: '/apps/ghost/start', headers: admin })).statusCode, 404)
  t.match(server.events.list({ app: 'alpha' }).map((e) => e.type), ['started', 'starting', 'stopped', 'stopping', 'stop_vetoed'])
})

t.test('GET /events filters and limits; DELETE /apps clears the registry', async (t) => {
  const server = await withApps(t)
  await server.lifecycle.wake('alpha', 'test')
  const events = await server.inject({ url: '/events?app=alpha&limit=1', headers: admin })
  t.equal(events.statusCode, 200)
  t.match(events.json(), [{ app: 'alpha', type: 'started', cause: 'test', durationMs: Number }])
  t.equal((await server.inject({ url: '/events?limit=0', headers: admin })).statusCode, 400)
  const cleared = await server.inject({ method: 'DELETE', url: '/apps', headers: admin })
  t.equal(cleared.statusCode, 204)
  t.same((await server.inject({ url: '/apps', headers: admin })).json(), [])
  await server.reconciler.tick()
  t.equal(server.registry.size, 2, 'the next check rediscovers the apps')
})

t.test('the OpenAPI document validates and lists every admin route, not the catch-all', async (t) => {
  const server = await withApps(t)
  const response = await server.inject({ url: '/docs/json', headers: { host: 'localhost' } })
  t.equal(response.statusCode, 200, 'browsable without the token')
  const document = response.json()
  await t.resolves(SwaggerParser.validate(structuredClone(document)), 'valid OpenAPI')
  t.same(Object.keys(document.paths).sort(), ['/apps', '/apps/{name}', '/apps/{name}/pin', '/apps/{name}/start', '/apps/{name}/stop', '/config/reload', '/events', '/events/stream', '/healthz', '/metrics', '/readyz', '/savings', '/sessions'], "the dashboard's files and sign-in are not API")
  const ui = await server.inject({ url: '/docs/', headers: { host: 'localhost' } })
  t.equal(ui.statusCode, 200)
  t.match(ui.body, /swagger/i, 'Swagger UI')
})

t.test('/metrics is Prometheus text and moves when a wake happens', async (t) => {
  const server = await withApps(t)
  const scrape = async (): Promise<string> => (await server.inject({ url: '/metrics', headers: admin })).body
  const value = (text: string, series: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(series + ' '))
    return line === undefined ? NaN : Number(line.slice(series.length + 1))
  }
  const before = await scrape()
  for (const line of before.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue
    // name{label="value",…} value, the value as Go's ParseFloat reads it (prom-client writes Nan)
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})? [-+]?([0-9.]+(e[-+]?[0-9]+)?|inf|nan)$/i.test(line)) {
      t.fail(`not Prometheus text: ${line}`)
    }
  }
  t.equal(value(before, 'paastis_wakes_total'), 0)
  t.equal(value(before, 'paastis_apps{state="stopped"}'), 2)

  t.equal((await server.inject({ url: '/', headers: { host: 'alpha.example.com' } })).statusCode, 200)
  const after = await scrape()
  t.equal(value(after, 'paastis_wakes_total'), 1)
  t.equal(value(after, 'paastis_apps{state="running"}'), 1)
  t.equal(value(after, 'paastis_requests_proxied_total{app="alpha"}'), 1)
  t.equal(value(after, 'paastis_requests_waited_total'), 1)
  t.equal(value(after, 'paastis_wake_duration_seconds_count{app="alpha",phase="readiness"}'), 1)
  t.equal(value(after, 'paastis_provider_calls_total{provider="command",operation="start"}'), 1)
  t.ok(value(after, 'paastis_provider_calls_total{provider="command",operation="list"}') >= 1)

  await server.inject({ method: 'POST', url: '/apps/alpha/stop', headers: admin })
  t.equal(value(await scrape(), 'paastis_stops_total{reason="admin"}'), 1)

  const open = await withApps(t, { METRICS_PUBLIC: 'true' })
  t.equal((await open.inject({ url: '/metrics', headers: { host: 'localhost' } })).statusCode, 200, 'METRICS_PUBLIC=true needs no token')
})

t.test('health: /healthz and /readyz without token', async (t) => {
  const server = await withApps(t)
  t.same((await server.inject({ url: '/healthz', headers: { host: 'localhost' } })).json(), { status: 'ok' })
  const ready = await server.inject({ url: '/readyz', headers: { host: 'localhost:8080' } })
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ready', checks: { config: 'ok', provider: 'ok' }, configuration: { hash: server.settings.file.hash } })
  server.provider.inner.list = async () => { throw new Error('provider down') }
  await server.reconciler.tick()
  const notReady = await server.inject({ url: '/readyz', headers: { host: 'localhost' } })
  t.equal(notReady.statusCode, 503)
  t.match(notReady.json(), { status: 'not ready', checks: { provider: /did not answer/ } })
})

/** The README's metrics table: name → its labels and the values it lists for them. */
function readmeMetrics (): Map<string, Map<string, string[]>> {
  const readme = readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8')
  const table = readme.slice(readme.indexOf('| metric | labels (values) | what |'))
  const metrics = new Map<string, Map<string, string[]>>()
  for (const row of table.split('\n').slice(2)) {
    if (!row.startsWith('| `')) break
    const [, name, labels] = row.split('|').map((cell) => cell.trim())
    const described = new Map<string, string[]>()
    // `app`, `phase` (`provider`, `readiness`, `total`)
    for (const [, label, values] of labels.matchAll(/`(\w+)`(?: \(([^)]*)\))?/g)) {
      described.set(label, values === undefined ? [] : [...values.matchAll(/`([^`]+)`/g)].map((value) => value[1]))
    }
    metrics.set(name.replaceAll('`', ''), described)
  }
  return metrics
}

/** /metrics as Prometheus text: name → label → values seen (histograms under their own name). */
function exposed (text: string): Map<string, Map<string, Set<string>>> {
  const metrics = new Map<string, Map<string, Set<string>>>()
  const histograms = new Set([...text.matchAll(/^# TYPE (\S+) histogram$/gm)].map((match) => match[1]))
  for (const line of text.split('\n')) {
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? \S+$/.exec(line)
    if (sample === null) continue
    let name = sample[1]
    const base = name.replace(/_(bucket|sum|count)$/, '')
    if (histograms.has(base)) name = base
    const labels = metrics.get(name) ?? new Map<string, Set<string>>()
    metrics.set(name, labels)
    for (const [, label, value] of (sample[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) {
      if (label === 'le') continue
      labels.set(label, (labels.get(label) ?? new Set()).add(value))
    }
  }
  return metrics
}

t.test('/metrics exposes what the README lists, with the same labels and values; per-app wake time and state', async (t) => {
  const server = await withApps(t)
  t.equal((await server.inject({ url: '/', headers: { host: 'alpha.example.com' } })).statusCode, 200, 'alpha woken')
  const scrape = async (): Promise<string> => (await server.inject({ url: '/metrics', headers: admin })).body
  const text = await scrape()
  const seen = exposed(text)
  const listed = readmeMetrics()
  const own = [...seen.keys()].filter((name) => name.startsWith('paastis_') && !name.startsWith('paastis_process_'))
  t.same(own.sort(), [...listed.keys()].filter((name) => name !== 'paastis_process_*').sort(), 'the same metrics')
  t.ok([...seen.keys()].some((name) => name.startsWith('paastis_process_')), 'and the process metrics')
  for (const [name, labels] of listed) {
    if (name === 'paastis_process_*') continue
    t.same([...(seen.get(name)?.keys() ?? [])].sort(), [...labels.keys()].sort(), `${name}: the same labels`)
    for (const [label, values] of labels) {
      for (const value of values) t.ok(seen.get(name)?.get(label)?.has(value), `${name}{${label}="${value}"} is exposed`)
    }
  }

  t.match(text, /^paastis_wake_duration_seconds_count\{app="alpha",phase="total"\} 1$/m, 'alpha\'s wake, under its name')
  t.match(text, /^paastis_app_state\{app="alpha",provider="command",state="running"\} 1$/m, 'alpha runs')
  t.match(text, /^paastis_app_state\{app="alpha",provider="command",state="stopped"\} 0$/m)
  t.match(text, /^paastis_app_state\{app="beta",provider="command",state="stopped"\} 1$/m, 'beta sleeps')
  t.notMatch(text, /app="nothing"/, 'a stranger\'s Host adds no series')
  t.match(text, /^paastis_app_cost_per_hour\{app="beta",provider="command",currency="EUR"\} 0\.25$/m, 'beta\'s cost, in COST_CURRENCY')
  t.notMatch(text, /^paastis_app_cost_per_hour\{app="alpha"/m, 'alpha has no cost: no series')
  t.match(text, /^paastis_events_buffered 0$/m, 'nothing waits for a store (there is none)')

  // An app the provider no longer lists takes its series with it.
  const file = server.config.PAASTIS_CONFIG_FILE
  writeFileSync(file, readFileSync(file, 'utf8').replace(/ {2}- name: alpha\n(?: {4}.*\n)+/, ''))
  t.equal((await server.inject({ method: 'POST', url: '/config/reload', headers: admin })).statusCode, 200)
  await server.reconciler.discover()
  const after = await scrape()
  t.same(after.split('\n').filter((line) => line.includes('app="alpha"')), [], 'alpha forgotten: no series left')
  t.match(after, /^paastis_app_state\{app="beta",provider="command",state="stopped"\} 1$/m)
})
