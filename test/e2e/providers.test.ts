// Several providers and accounts in one Paastis: two Scalingo accounts (two fakes, two tokens, an
// app named `api` in each), the Heroku fake and local processes, through real sockets.
import t, { type Test } from 'tap'
import { request } from 'undici'
import { FakeHeroku, HEROKU_TOKEN } from '../fakes/heroku'
import { FakeScalingo } from '../fakes/scalingo'
import { appsYaml, build, freePort, type LogLine } from '../helper'

const TOKEN_A = 'tk-us-team-a-token'
const TOKEN_B = 'tk-us-team-b-token'
const ENV = {
  SCALINGO_TOKEN_TEAM_A: TOKEN_A,
  SCALINGO_TOKEN_TEAM_B: TOKEN_B,
  HEROKU_API_TOKEN: HEROKU_TOKEN,
  PROVIDER_POLL_INTERVAL: '30ms',
  PROVIDER_REQUEST_TIMEOUT: '2s',
  PROVIDER_RETRIES: '1',
  ROUTING_SYSTEM_API_TOKEN: 'tk'
}
const admin = { host: 'localhost', authorization: 'Bearer tk' }

async function accounts (t: Test) {
  const a = new FakeScalingo(['osc-fr1'], TOKEN_A)
  const b = new FakeScalingo(['osc-fr1'], TOKEN_B)
  const heroku = new FakeHeroku()
  for (const api of [a, b, heroku]) {
    await api.listen()
    t.teardown(() => api.close())
  }
  await a.addApp('api', { web: 0 })
  await a.addApp('shop', { web: 0 })
  await b.addApp('api', { web: 0 })
  await b.addApp('billing', { web: 0 })
  await heroku.addApp('legacy', { web: 0 })
  return { a, b, heroku }
}

function providersYaml (a: FakeScalingo, b: FakeScalingo, heroku: FakeHeroku, teamB: string): string {
  return `providers:
  - name: team-a
    type: scalingo
    api_token: \${SCALINGO_TOKEN_TEAM_A}
    auth_url: ${a.baseUrl}
  - name: team-b
    type: scalingo
    api_token: \${SCALINGO_TOKEN_TEAM_B}
    auth_url: ${b.baseUrl}
${teamB}
  - name: old
    type: heroku
    api_token: \${HEROKU_API_TOKEN}
    api_url: ${heroku.baseUrl}
  - name: local
    type: command
`
}

const get = async (port: number, host: string) => {
  const response = await request(`http://127.0.0.1:${port}/`, { headers: { host } })
  return { status: response.statusCode, body: await response.body.text() }
}

t.test('four providers, one registry: each app wakes and stops through its own provider', async (t) => {
  const { a, b, heroku } = await accounts(t)
  const logs: LogLine[] = []
  const server = await build(t, {
    yaml: `${providersYaml(a, b, heroku, '    app_prefix: b-')}${appsYaml([{ name: 'tool', port: await freePort() }])}rules:
  - provider: team-b
    app_max_idle_time: 5m
  - pattern: api
    provider: team-a
    cost_per_hour: 0.1
`,
    env: ENV,
    listen: true,
    logs
  })
  const port = (server.server.address() as { port: number }).port
  const records = server.registry.list().map((r) => [r.name, r.provider, r.appName ?? null]).sort()
  t.same(records, [['api', 'team-a', null], ['b-api', 'team-b', 'api'], ['b-billing', 'team-b', 'billing'], ['legacy', 'old', null], ['shop', 'team-a', null], ['tool', 'local', null]])
  t.equal(a.count('GET', /\/v1\/apps$/), 1, 'one listing call per account')
  t.equal(b.count('GET', /\/v1\/apps$/), 1)
  const teamB = (await server.inject({ url: '/apps?provider=team-b', headers: admin })).json() as Array<{ name: string, maxIdleTime: string }>
  t.same(teamB.map((app) => [app.name, app.maxIdleTime]), [['b-api', '5m'], ['b-billing', '5m']], 'GET /apps?provider= filters; rules match on provider:')
  t.equal(server.rules.policyFor('api').costPerHour, 0.1, 'pattern and provider together')
  t.equal(server.rules.policyFor('b-api').costPerHour, undefined, "team-b's api is not team-a's")

  t.equal((await get(port, 'b-api.example.com')).status, 200, "b-api: team-b's api")
  t.equal(b.scaleCalls(), 1, 'woken at team-b')
  t.equal(a.scaleCalls(), 0, 'not at team-a')
  t.match(b.calls.find((call) => call.method === 'POST' && call.path.endsWith('/scale'))?.path, /\/apps\/api\/scale$/, 'by its own name there')
  t.equal((await get(port, 'api.example.com')).status, 200)
  t.equal(a.scaleCalls(), 1, "api: team-a's")
  t.equal((await get(port, 'legacy.example.com')).status, 200)
  t.ok(heroku.scaleCalls() >= 1, 'legacy: Heroku')
  t.match(JSON.parse((await get(port, 'tool.example.com')).body), { app: 'tool' }, 'tool: a local process')

  t.match(await server.lifecycle.stop('b-api', 'admin'), { stopped: true })
  t.equal(b.scaleCalls(), 2, 'stopped at team-b')
  t.same(b.apps.get('api')?.formation, { web: 0 })
  t.equal(a.apps.get('api')?.formation.web, 1, "team-a's api untouched")

  t.match(server.events.list({ app: 'b-api' }), [{ type: 'stopped', provider: 'team-b' }], 'events name the provider')
  const metrics = await server.inject({ url: '/metrics', headers: admin })
  t.match(metrics.body, /paastis_provider_calls_total\{provider="team-b",operation="start"\} 1/)
  t.match(metrics.body, /paastis_provider_calls_total\{provider="team-a",operation="start"\} 1/)
  t.match(metrics.body, /paastis_app_wakes_total\{app="b-api",provider="team-b"\} 1/)
  t.ok(logs.some((line) => line.msg === 'app woke up' && line.app === 'b-api' && line.provider === 'team-b'), 'logs name the provider')

  // One account fails: its apps are kept, the others' are served.
  a.fail('GET', /\/v1\/apps$/, { status: 500 }, 100)
  await server.reconciler.tick()
  t.ok(server.registry.has('shop') && server.registry.has('api'), "team-a's apps are kept while it does not answer")
  const ready = await server.inject({ url: '/readyz', headers: { host: 'localhost' } })
  t.match(ready.json().checks.providers, /^team-a did not answer at the last check/)
  t.equal((await get(port, 'b-billing.example.com')).status, 200, "team-b's apps are still woken and served")
  for (let i = 0; i < 4; i++) await server.reconciler.tick()
  t.ok(server.registry.has('shop'), 'however many checks')
})

t.test('one account throttled (429) slows only its own apps', async (t) => {
  const { a, b, heroku } = await accounts(t)
  const server = await build(t, { yaml: providersYaml(a, b, heroku, '    app_prefix: b-'), env: ENV })
  a.fail('POST', /\/scale$/, { status: 429, headers: { 'retry-after': '2' } }, 1)
  const order: string[] = []
  await Promise.all([
    server.lifecycle.wake('api', 'test').then(() => order.push('api')),
    server.lifecycle.wake('b-api', 'test').then(() => order.push('b-api'))
  ])
  t.same(order, ['b-api', 'api'], "team-b's wake did not wait for team-a's Retry-After")
  t.equal(b.calls.filter((call) => call.status === 429).length, 0)
})

t.test('an app name two accounts serve without a distinction: reported once, woken by neither', async (t) => {
  const { a, b, heroku } = await accounts(t)
  const logs: LogLine[] = []
  const server = await build(t, { yaml: providersYaml(a, b, heroku, ''), env: ENV, logs, listen: true })
  t.notOk(server.registry.has('api'), 'neither copy is registered')
  t.ok(server.registry.has('shop') && server.registry.has('billing'))
  const response = await get((server.server.address() as { port: number }).port, 'api.example.com')
  t.equal(response.status, 404, 'a Host that cannot tell them apart wakes nothing')
  t.equal(a.scaleCalls() + b.scaleCalls(), 0)
  await server.reconciler.tick()
  const warnings = logs.filter((line) => line.level === 40 && /"api" is served by team-a and team-b/.test(line.msg))
  t.equal(warnings.length, 1, 'warned once, not at every check')
  t.match(server.events.list({ type: 'conflict' }), [{ app: 'api', provider: 'team-a, team-b', message: /give one of these providers an app_prefix or a domain/ }])
  t.equal(server.events.list({ type: 'conflict' }).length, 1)
  const ready = await server.inject({ url: '/readyz', headers: { host: 'localhost' } })
  t.match(ready.json().checks.conflicts, /"api" is served by team-a and team-b/)
})

t.test('a domain of its own: api.team-b.example.com is team-b\'s api, api.example.com team-a\'s', async (t) => {
  const { a, b, heroku } = await accounts(t)
  const server = await build(t, { yaml: providersYaml(a, b, heroku, '    domain: team-b.example.com'), env: ENV, listen: true })
  const port = (server.server.address() as { port: number }).port
  t.ok(server.registry.has('api@team-b'), 'keyed <app>@<provider>')
  t.equal((await get(port, 'api.team-b.example.com')).status, 200)
  t.equal(b.scaleCalls(), 1)
  t.equal(a.scaleCalls(), 0)
  t.equal((await get(port, 'api.example.com')).status, 200)
  t.equal(a.scaleCalls(), 1)
  t.equal((await get(port, 'billing.example.com')).status, 404, "team-b's apps only at its domain")
  t.equal((await get(port, 'x.y.team-b.example.com')).status, 404)
})

t.test('providers: secrets from the environment only; clear errors naming the key', async (t) => {
  const base = 'providers:\n  - name: team-a\n    type: scalingo\n'
  await t.rejects(build(t, { yaml: `${base}    api_token: tk-us-literal-secret\n` }),
    /providers\[0\]\.api_token: is a secret: it must come from the environment, as \$\{TEAM_A_API_TOKEN\}/)
  await t.rejects(build(t, { yaml: `${base}    api_token: \${NOT_SET_ANYWHERE}\n` }), /providers\[0\]\.api_token: \$\{NOT_SET_ANYWHERE\} is not set/)
  await t.rejects(build(t, { yaml: `${base}    api_token: \${T}\n    vhost_scheme: http\n`, env: { T: 'x' } }), /providers\[0\]\.vhost_scheme: is not a key of a scalingo provider \(its keys: api_token, operation_timeout, auth_url, api_url, region\)/)
  await t.rejects(build(t, { yaml: `${base}    api_token: \${T}\n  - name: team-a\n    type: heroku\n    api_token: \${T}\n`, env: { T: 'x' } }), /"team-a" is used twice/)
  await t.rejects(build(t, { yaml: `${base}    api_token: \${T}\nrules:\n  - provider: team-z\n    app_max_idle_time: 1h\n`, env: { T: 'x' } }), /rules\[0\]\.provider: no provider is named "team-z" \(team-a\)/)
  await t.rejects(build(t, { yaml: 'providers:\n  - name: x\n    type: heroku\n' }), /providers: x: api_token is required/)
  const logs: LogLine[] = []
  await t.rejects(build(t, { yaml: `${base}    api_token: tk-us-do-not-log-me\n`, logs }))
  t.notMatch(JSON.stringify(logs), /tk-us-do-not-log-me/, 'a refused literal secret is not echoed')
})
