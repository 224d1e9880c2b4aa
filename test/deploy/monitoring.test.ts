// The Grafana dashboard and the Prometheus alert rules of deploy/, held against what Paastis
// exposes: the rules by promtool (the rule-file schema, and cases that fire and do not fire each
// alert); every query of the dashboard and every rule run by a real Prometheus scraping a real
// Paastis that woke and stopped an app: each query answers series, each rule evaluates, and every
// label they name is one the metrics they read carry.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { parse } from 'yaml'
import { build, eventually, freePort, portOf } from '../helper'
import { startPrometheus } from '../prometheus'

const ROOT = path.join(__dirname, '..', '..')
const RULES = path.join(ROOT, 'deploy', 'prometheus', 'paastis-alerts.yml')
const DASHBOARD = path.join(ROOT, 'deploy', 'grafana', 'paastis-dashboard.json')
const TOKEN = 'monitoring-token-7'
const ADMIN_HOST = '127.0.0.1'

interface Target { expr: string, refId: string, legendFormat: string, datasource: { uid: string } }
interface Panel { id: number, type: string, title: string, description?: string, gridPos: { x: number, y: number, w: number, h: number }, datasource?: { uid: string }, targets?: Target[] }
interface Dashboard { uid: string, title: string, panels: Panel[], templating: { list: Array<{ name: string, type: string, query: unknown }> } }
interface RuleFile { groups: Array<{ name: string, rules: Array<{ alert: string, expr: string }> }> }

const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard
const rules = parse(readFileSync(RULES, 'utf8')) as RuleFile
const queries = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ where: `panel "${panel.title}" (${target.refId})`, expr: target.expr })))
const alerts = rules.groups.flatMap((group) => group.rules.map((rule) => ({ where: `alert ${rule.alert}`, expr: rule.expr })))

/** The dashboard's variables as Grafana fills them in: every app, a one-minute window. */
function filled (expr: string): string {
  return expr.replaceAll('$app', '.*').replaceAll('$__rate_interval', '1m').replaceAll('$__range', '1m')
}

/** The metrics an expression reads, and the labels it names (matchers, by, on, group_left...). */
function namesIn (expr: string): { metrics: string[], labels: string[] } {
  const metrics = [...new Set([...expr.matchAll(/\b(paastis_[a-z_]+|up)\b(?!\s*\()/g)].map((match) => match[1]))]
  const labels = new Set<string>()
  for (const match of expr.matchAll(/\{([^}]*)\}/g)) {
    for (const matcher of match[1].matchAll(/([a-z_]+)\s*(?:=~|!~|!=|=)/g)) labels.add(matcher[1])
  }
  for (const match of expr.matchAll(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g)) {
    for (const label of match[1].split(',')) if (label.trim() !== '') labels.add(label.trim())
  }
  return { metrics, labels: [...labels] }
}

/** Each metric family of an exposition, with the labels its series carry. */
function exposition (text: string): Map<string, Set<string>> {
  const families = new Map<string, Set<string>>()
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? /.exec(line)
    if (match === null) continue
    const labels = families.get(match[1]) ?? new Set<string>()
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) labels.add(pair[1])
    families.set(match[1], labels)
  }
  return families
}

t.test('the alert rules are a valid rule file, and each alert fires on its cases and only on them (promtool)', async (t) => {
  const run = promisify(execFile)
  const checked = await run('promtool', ['check', 'rules', RULES], { timeout: 30_000 }).catch((err: Error & { stdout?: string, stderr?: string }) => ({ stdout: err.stdout ?? '', stderr: `${err.message} ${err.stderr ?? ''}` }))
  t.match(checked.stdout, /SUCCESS: 6 rules found/, `promtool check rules: ${checked.stderr}`)
  const cases = await run('promtool', ['test', 'rules', 'paastis-alerts.test.yml'], { cwd: path.dirname(RULES), timeout: 60_000 }).catch((err: Error & { stdout?: string, stderr?: string }) => ({ stdout: `${err.stdout ?? ''}${err.stderr ?? ''}`, stderr: '' }))
  t.match(cases.stdout, /SUCCESS/, cases.stdout)
  t.same(alerts.map((alert) => alert.where), ['alert PaastisDown', 'alert PaastisWakeFailing', 'alert PaastisProviderFailing', 'alert PaastisDiscoverySuspect', 'alert PaastisEventStoreBuffering', 'alert PaastisWakeTimeRegressing'])
  const tested = readFileSync(path.join(path.dirname(RULES), 'paastis-alerts.test.yml'), 'utf8')
  for (const { where } of alerts) t.match(tested, new RegExp(`alertname: ${where.slice(6)}\\n`), `${where} has its cases`)
})

t.test('the dashboard is a Grafana dashboard: its panels on a 24-column grid, each query on the chosen Prometheus, every app selectable', async (t) => {
  t.equal(dashboard.uid, 'paastis')
  t.same(dashboard.templating.list.map((variable) => [variable.name, variable.type]), [['datasource', 'datasource'], ['app', 'query']])
  const ids = dashboard.panels.map((panel) => panel.id)
  t.equal(new Set(ids).size, ids.length, 'panel ids are unique')
  for (const panel of dashboard.panels) {
    t.ok(panel.gridPos.x + panel.gridPos.w <= 24, `${panel.title} fits in the grid`)
    if (panel.type === 'row') continue
    t.ok((panel.description ?? '').length > 20, `${panel.title} says what it shows`)
    t.equal(panel.datasource?.uid, '$' + '{datasource}', `${panel.title} reads the chosen Prometheus`)
    t.ok((panel.targets ?? []).length > 0, `${panel.title} has a query`)
  }
  const titles = dashboard.panels.map((panel) => panel.title)
  for (const needed of ['Apps by state', 'State of each app', 'Wakes per app', 'Wake time per app (p90)', 'Failed wakes', 'Hours saved', 'Money saved', 'Proxy failures', 'Provider errors']) {
    t.ok(titles.includes(needed), `a panel "${needed}"`)
  }
})

t.test('a real Prometheus scraping a real Paastis: every dashboard query answers series and every rule evaluates; every label named is one the metrics carry', async (t) => {
  const port = await freePort()
  const yaml = `rules:
  - pattern: '^shop$'
    cost_per_hour: 0.5
apps:
  - name: shop
    run: node ${JSON.stringify(path.join(ROOT, 'test', 'fixtures', 'app.js'))}
    port: ${port}
`
  const server = await build(t, { yaml, listen: true, env: { ROUTING_SYSTEM_API_TOKEN: TOKEN, ADMIN_HOST, COST_CURRENCY: 'EUR' } })
  const admin = { host: ADMIN_HOST, authorization: `Bearer ${TOKEN}` }
  const prometheus = await startPrometheus(t, `global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [paastis-alerts.yml]
scrape_configs:
  - job_name: paastis
    authorization: { credentials: ${TOKEN} }
    static_configs: [{ targets: ['${ADMIN_HOST}:${portOf(server)}'] }]
`, { 'paastis-alerts.yml': readFileSync(RULES, 'utf8') })
  const scraped = async (count: number): Promise<boolean> => {
    const answer = await prometheus.query('count_over_time(up{job="paastis"}[1m])')
    return Number(answer.data?.result[0]?.value[1] ?? 0) >= count
  }
  t.ok(await eventually(() => scraped(2), 30_000), 'Prometheus scrapes Paastis')
  // A wake, a stop and a wake again within the window that rate() and increase() read.
  t.equal((await server.inject({ url: '/', headers: { host: 'shop.example.com' } })).statusCode, 200)
  t.equal((await server.inject({ method: 'POST', url: '/apps/shop/stop', headers: admin })).statusCode, 200)
  t.equal((await server.inject({ url: '/', headers: { host: 'shop.example.com' } })).statusCode, 200)
  const before = await prometheus.query('count_over_time(up{job="paastis"}[1m])')
  const seen = Number(before.data?.result[0]?.value[1] ?? 0)
  t.ok(await eventually(() => scraped(seen + 3), 30_000), 'scraped again after the wakes')

  for (const { where, expr } of queries) {
    const answer = await prometheus.query(filled(expr))
    t.equal(answer.status, 'success', `${where}: ${answer.error ?? 'runs'}`)
    t.ok((answer.data?.result.length ?? 0) > 0, `${where} answers series: ${filled(expr)}`)
  }
  const ruleHealth = async (): Promise<Array<{ name: string, health: string, lastError?: string }>> => {
    const answer = await fetch(`${prometheus.url}/api/v1/rules`, { signal: AbortSignal.timeout(5000) })
    const body = await answer.json() as { data: { groups: Array<{ rules: Array<{ name: string, health: string, lastError?: string }> }> } }
    return body.data.groups.flatMap((group) => group.rules)
  }
  t.ok(await eventually(async () => (await ruleHealth()).every((rule) => rule.health === 'ok'), 30_000), 'every rule evaluated')
  for (const rule of await ruleHealth()) t.equal(rule.health, 'ok', `${rule.name} evaluates: ${rule.lastError ?? ''}`)

  const metrics = await server.inject({ url: '/metrics', headers: admin })
  const families = exposition(metrics.body)
  for (const { where, expr } of [...queries, ...alerts]) {
    const { metrics: read, labels } = namesIn(expr)
    for (const name of read) if (name !== 'up') t.ok(families.has(name), `${where}: Paastis exposes ${name}`)
    for (const label of labels) {
      // Prometheus adds job and instance to every series it scrapes.
      if (label === 'job' || label === 'instance') continue
      t.ok(read.some((name) => families.get(name)?.has(label) === true), `${where}: "${label}" is a label of ${read.join(' or ')}`)
    }
  }
})
