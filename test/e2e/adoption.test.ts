// Safe in a real account: a dry run, an opt-in mode, a strict paastis.yml, and a paastis.yml that
// is reloaded (SIGHUP, a change of the file, POST /config/reload) and reaches records that come
// back from Redis. Real sockets, the Scalingo fake, real `paastis` processes, a real redis-server.
import { once } from 'node:events'
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { FakeScalingo, SCALINGO_TOKEN } from '../fakes/scalingo'
import { launchChromium } from '../chromium'
import { appsYaml, build, eventually, freePort, ManualClock, portOf, type LogLine } from '../helper'
import { startRedis } from '../redis'
import { runPaastis, type PaastisProcess } from './paastis-process'

const TOKEN = 'adoption-token'
const DAY = Date.parse('2026-11-30T00:00:00Z')
const HOUR = 3_600_000
const admin = { host: 'localhost', authorization: `Bearer ${TOKEN}` }

function folder (t: Test): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'paastis-adoption-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Writes the file whole at once, as an editor's save does (a rename over the old one). */
function save (file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text)
  renameSync(`${file}.tmp`, file)
}

/**
 * A scripted day on the Scalingo fake (injected clock): `alpha` (idle 2h, 0.5 an hour) woken at
 * 00:00, idle from then, visited again at 22:00; the report at 24:00.
 */
async function scalingoDay (t: Test, dryRun: boolean) {
  const scalingo = new FakeScalingo(['osc-fr1'])
  await scalingo.listen()
  t.teardown(() => scalingo.close())
  await scalingo.addApp('alpha', { web: 0 })
  const clock = new ManualClock(DAY)
  const logs: LogLine[] = []
  const server = await build(t, {
    clock,
    listen: true,
    logs,
    yaml: "rules:\n  - pattern: '^alpha$'\n    app_max_idle_time: 2h\n    cost_per_hour: 0.5\n",
    env: {
      PROVIDER_NAME: 'scalingo',
      PROVIDER_SCALINGO_API_TOKEN: SCALINGO_TOKEN,
      PROVIDER_SCALINGO_AUTH_URL: scalingo.baseUrl,
      PROVIDER_POLL_INTERVAL: '20ms',
      ROUTING_SYSTEM_API_TOKEN: TOKEN,
      DRY_RUN: String(dryRun)
    }
  })
  const port = (server.server.address() as { port: number }).port
  const visit = async (): Promise<number> => {
    const response = await request(`http://127.0.0.1:${port}/`, { headers: { host: 'alpha.example.com' } })
    await response.body.dump()
    return response.statusCode
  }
  t.equal(await visit(), 200, '00:00 a visitor wakes alpha')
  const scalesBefore = scalingo.calls.filter((call) => call.method === 'POST' && call.path.endsWith('/scale')).length
  clock.advance(2 * HOUR)
  await server.reconciler.tick()
  clock.advance(HOUR)
  await server.reconciler.tick()
  clock.advance(19 * HOUR)
  t.equal(await visit(), 200, '22:00 a visitor')
  await server.reconciler.tick()
  clock.advance(2 * HOUR)
  const savings = await server.inject({ url: '/savings?from=2026-11-30&to=2026-12-01', headers: admin })
  const stops = scalingo.calls.filter((call) => call.method === 'POST' && call.path.endsWith('/scale')).slice(scalesBefore)
  return { server, savings: savings.json(), stops, logs }
}

t.test('DRY_RUN: a scripted day on Scalingo makes no stop call, records would_stop, and would have saved what the same day saves', async (t) => {
  const real = await scalingoDay(t, false)
  t.equal(real.stops.length, 2, 'without the dry run: stopped at 02:00, woken at 22:00')
  t.match(real.savings, { dryRun: false, hoursAsleep: 20, saved: 10, hoursWouldSleep: 0 })

  const dry = await scalingoDay(t, true)
  t.same(dry.stops, [], 'no scale call reaches the fake after the first wake')
  t.match(dry.savings, { dryRun: true, hoursAsleep: 0, hoursRunning: 24, hoursWouldSleep: 20, wouldHaveSaved: 10 })
  t.equal(dry.savings.hoursWouldSleep, real.savings.hoursAsleep, 'would have slept what the real day slept')
  t.equal(dry.savings.wouldHaveSaved, real.savings.saved, 'and saved the same money')
  const listed = await dry.server.inject({ url: '/events?app=alpha', headers: admin })
  t.equal(listed.statusCode, 200, listed.body)
  const events = listed.json() as Array<{ type: string, cause?: string, at: string }>
  const wouldStop = events.filter((event) => event.type === 'would_stop')
  t.equal(wouldStop.length, 1, 'one would_stop for the idle period, however many checks')
  t.match(wouldStop[0], { cause: 'idle', at: '2026-11-30T02:00:00.000Z' })
  t.match(events.find((event) => event.type === 'would_start'), { at: '2026-11-30T22:00:00.000Z' }, 'the visit that would have woken it')
  t.ok(dry.logs.some((line) => /alpha would be stopped \(idle\); DRY_RUN is on/.test(line.msg)), 'said in the log')
  t.ok(dry.logs.some((line) => /1 app would be stopped when idle .*alpha \(2h\)/.test(line.msg)), 'what would be stopped, said at start')
  t.equal(dry.server.registry.get('alpha')?.state, 'running')

  // The CLI (a real process) and the dashboard (real Chromium) say it the same way.
  const port = portOf(dry.server)
  const cli = runPaastis(['savings', '--from', '2026-11-30', '--to', '2026-12-01'], { PAASTIS_URL: `http://127.0.0.1:${port}`, PAASTIS_TOKEN: TOKEN })
  t.equal(await cli.exit, 0)
  t.match(cli.output(), /DRY_RUN is on: no app was stopped\. Had it been off:[\s\S]*alpha\s+20\s+10\.00/)
  const cliEvents = runPaastis(['events', '--app', 'alpha', '--type', 'would_stop'], { PAASTIS_URL: `http://127.0.0.1:${port}`, PAASTIS_TOKEN: TOKEN })
  t.equal(await cliEvents.exit, 0)
  t.match(cliEvents.output(), /alpha\s+would_stop\s+idle\s+alpha would be stopped \(idle\)/)
  const browser = await launchChromium(t)
  const page = await (await browser.newContext({ locale: 'en-US' })).newPage()
  await page.goto(`http://localhost:${port}/`)
  await page.waitForSelector('#sign-in:not([hidden])')
  await page.fill('#token', TOKEN)
  await page.keyboard.press('Enter')
  await page.waitForSelector('#apps tbody tr[data-app="alpha"]')
  t.equal(await page.textContent('#hours-saved-label'), 'Hours it would have saved (dry run), last 30 days')
  t.equal(await page.textContent('#hours-saved'), '20 h')
  t.equal(await page.textContent('#money-saved'), '€10.00', 'what it would have saved, in COST_CURRENCY')
  t.ok(await page.waitForSelector('#events :text("would_stop")'), 'the would_stop event in the timeline')
})

t.test('opt-in: an app no rule names is left alone however idle; a named one is stopped', async (t) => {
  const [named, unnamed, listed] = [await freePort(), await freePort(), await freePort()]
  const clock = new ManualClock(DAY)
  const logs: LogLine[] = []
  const server = await build(t, {
    clock,
    logs,
    yaml: `${appsYaml([{ name: 'review-1', port: named }, { name: 'production', port: unnamed }, { name: 'demo', port: listed }])}rules:\n  - pattern: '^review-'\n    app_max_idle_time: 10m\n`,
    env: { MANAGE_APPS: 'opt-in', REGISTRY_MANAGED_APPS: 'demo', ROUTING_SYSTEM_API_TOKEN: TOKEN }
  })
  for (const app of ['review-1', 'production', 'demo']) {
    const started = await server.inject({ method: 'POST', url: `/apps/${app}/start?wait=true`, headers: admin })
    t.equal(started.statusCode, app === 'production' ? 409 : 200, `${app}: ${started.body}`)
  }
  t.ok(logs.some((line) => /^2 apps will be stopped when idle: demo \(15m\), review-1 \(10m\); 1 left alone\./.test(line.msg)), 'the plan at start')
  clock.advance(48 * HOUR)
  t.same((await server.reconciler.tick()).stopped.sort(), ['demo', 'review-1'])
  t.equal(server.registry.get('production')?.ignored, true)
  t.notOk(server.events.list({ app: 'production' }).some((event) => /stop/.test(event.type)), 'nothing was asked of production')
})

/** A `paastis` process on a free port with a paastis.yml in `dir`, listening. */
async function paastis (t: Test, dir: string, env: Record<string, string> = {}): Promise<PaastisProcess & { port: number }> {
  const port = await freePort()
  const run = runPaastis([], {
    HOST: '127.0.0.1',
    PORT: String(port),
    PAASTIS_CONFIG_FILE: path.join(dir, 'paastis.yml'),
    PAASTIS_STATE_DIR: path.join(dir, 'state'),
    ROUTING_SYSTEM_API_TOKEN: TOKEN,
    START_AND_STOP_CHECKING_INTERVAL_CRON: '0 0 1 1 *',
    ...env
  })
  t.teardown(() => { run.child.kill('SIGKILL') })
  if (!await eventually(() => run.output().includes('Server listening'), 60_000)) throw new Error(`paastis did not start:\n${run.output()}`)
  return { ...run, port }
}

async function appsOf (port: number): Promise<Record<string, { maxIdleTime: string, ignored: boolean }>> {
  const response = await request(`http://127.0.0.1:${port}/apps`, { headers: admin })
  const apps = await response.body.json() as Array<{ name: string, maxIdleTime: string, ignored: boolean }>
  return Object.fromEntries(apps.map((app) => [app.name, { maxIdleTime: app.maxIdleTime, ignored: app.ignored }]))
}

async function eventsOf (port: number, type: string): Promise<Array<{ cause: string, message: string }>> {
  const response = await request(`http://127.0.0.1:${port}/events?type=${type}`, { headers: admin })
  return await response.body.json() as Array<{ cause: string, message: string }>
}

async function readyz (port: number): Promise<{ checks: Record<string, string>, configuration: { hash: string, replicas?: Record<string, string> } }> {
  const response = await request(`http://127.0.0.1:${port}/readyz`, { headers: { host: 'localhost' } })
  return await response.body.json() as { checks: Record<string, string>, configuration: { hash: string } }
}

const rulesYaml = (hello: string, otherIgnored: boolean): string =>
  `rules:\n  - pattern: '^hello$'\n    app_max_idle_time: ${hello}\n  - pattern: '^other$'\n    ignore: ${String(otherIgnored)}\n`

t.test('reload by SIGHUP, by a change of the file and by the admin call: a valid file applies at once, an invalid one keeps the running configuration', async (t) => {
  const dir = folder(t)
  const ports = [await freePort(), await freePort()]
  const apps = appsYaml([{ name: 'hello', port: ports[0] }, { name: 'other', port: ports[1] }])
  const file = path.join(dir, 'paastis.yml')
  save(file, apps + rulesYaml('5m', false))
  const run = await paastis(t, dir)
  t.same(await appsOf(run.port), { hello: { maxIdleTime: '5m', ignored: false }, other: { maxIdleTime: '15m', ignored: false } })
  const first = (await readyz(run.port)).configuration.hash

  // Waits name the event they expect: the watcher also sees the files the SIGHUPs are about, and
  // on a busy machine its reload may come first.
  const seen = async (type: string, cause: string, message: RegExp): Promise<boolean> =>
    await eventually(async () => (await eventsOf(run.port, type)).some((event) => event.cause === cause && message.test(event.message)), 10_000)
  const found = async (type: string, cause: string, message: RegExp): Promise<{ cause: string, message: string } | undefined> =>
    (await eventsOf(run.port, type)).find((event) => event.cause === cause && message.test(event.message))

  // 1. SIGHUP, valid then invalid.
  writeFileSync(file, apps + rulesYaml('1m', true))
  run.child.kill('SIGHUP')
  t.ok(await seen('config_reloaded', 'signal', /reloaded/), 'SIGHUP: reloaded')
  t.same(await appsOf(run.port), { hello: { maxIdleTime: '1m', ignored: false }, other: { maxIdleTime: '15m', ignored: true } }, 'applied to every record at once')
  t.ok((await eventsOf(run.port, 'config_reloaded')).some((event) => /settings changed for 2 apps \(hello, other\)/.test(event.message)), 'what changed, said')
  t.ok(await eventually(() => /"msg":"1 app will be stopped when idle: hello \(1m\); 1 left alone\."/.test(run.output())), 'what the new rules will stop, said')
  const visit = await request(`http://127.0.0.1:${run.port}/`, { headers: { host: 'other.localhost' } })
  t.equal(visit.statusCode, 503, 'other is ignored now: a request no longer wakes it')
  await visit.body.dump()
  const second = (await readyz(run.port)).configuration.hash
  t.not(second, first, 'readyz shows the new configuration')
  writeFileSync(file, apps + rulesYaml('1m', true).replace('app_max_idle_time', 'app_max_idle_tme'))
  run.child.kill('SIGHUP')
  t.ok(await seen('config_rejected', 'signal', /app_max_idle_tme/), 'SIGHUP: refused')
  t.match(await found('config_rejected', 'signal', /app_max_idle_tme/), { message: /paastis\.yml:\d+: rules\[0\]\.app_max_idle_tme: unknown key: did you mean "app_max_idle_time"\?.*still running configuration/ })
  const refused = await readyz(run.port)
  t.match(refused.checks.config, /the last reload of paastis\.yml was refused: .*unknown key/)
  t.equal(refused.configuration.hash, second, 'still running the previous one')
  t.same(await appsOf(run.port), { hello: { maxIdleTime: '1m', ignored: false }, other: { maxIdleTime: '15m', ignored: true } }, 'records unchanged')
  t.match(run.output(), /"level":50.*paastis\.yml not reloaded \(signal\)/, 'logged at error')

  // 2. A change of the file (watched), valid then invalid.
  save(file, apps + rulesYaml('2h', false))
  t.ok(await eventually(async () => (await appsOf(run.port)).hello.maxIdleTime === '2h'), 'file change: reloaded')
  t.ok(await found('config_reloaded', 'file', /reloaded/), 'by the watcher')
  t.same(await appsOf(run.port), { hello: { maxIdleTime: '2h', ignored: false }, other: { maxIdleTime: '15m', ignored: false } })
  t.equal((await readyz(run.port)).checks.config, 'ok', 'the refusal is over')
  save(file, apps + 'rules:\n  - pattern: "^hello$"\n    app_max_idle_time: soon\n')
  t.ok(await seen('config_rejected', 'file', /must be minutes/), 'file change: refused')
  t.match(await found('config_rejected', 'file', /must be minutes/), { message: /paastis\.yml:\d+: rules\[0\]\.app_max_idle_time: must be minutes/ })
  t.same(await appsOf(run.port), { hello: { maxIdleTime: '2h', ignored: false }, other: { maxIdleTime: '15m', ignored: false } }, 'records unchanged')

  // 3. The admin call, invalid (the file as it is) then valid.
  const invalid = await request(`http://127.0.0.1:${run.port}/config/reload`, { method: 'POST', headers: admin })
  t.equal(invalid.statusCode, 422)
  t.match(await invalid.body.json(), { code: 'CONFIG_INVALID', message: /app_max_idle_time: must be minutes/ })
  writeFileSync(file, apps + rulesYaml('30s', false))
  const valid = await request(`http://127.0.0.1:${run.port}/config/reload`, { method: 'POST', headers: admin })
  t.equal(valid.statusCode, 200)
  t.match(await valid.body.json(), { applied: true, change: { rules: 2, apps: ['hello'] } })
  t.same(await appsOf(run.port), { hello: { maxIdleTime: '30s', ignored: false }, other: { maxIdleTime: '15m', ignored: false } })
  const unauthorised = await request(`http://127.0.0.1:${run.port}/config/reload`, { method: 'POST', headers: { host: 'localhost' } })
  t.equal(unauthorised.statusCode, 401, 'the admin call needs the token')
  await unauthorised.body.dump()
  run.child.kill('SIGTERM')
  t.equal(await run.exit, 0)
})

t.test('a typo: paastis check exits 1 with file:line and the suggestion; paastis refuses to start', async (t) => {
  const dir = folder(t)
  writeFileSync(path.join(dir, 'paastis.yml'), 'rules:\n  - pattern: hello\n    app_max_idle_tme: 1m\n')
  const check = runPaastis(['check'], { PAASTIS_CONFIG_FILE: path.join(dir, 'paastis.yml') })
  t.equal(await check.exit, 1)
  t.match(check.output(), /✗ configuration: .*paastis\.yml:3: rules\[0\]\.app_max_idle_tme: unknown key: did you mean "app_max_idle_time"\?/)
  const run = runPaastis([], { PORT: String(await freePort()), PAASTIS_CONFIG_FILE: path.join(dir, 'paastis.yml') })
  t.equal(await run.exit, 1)
  t.match(run.output(), /paastis\.yml:3: rules\[0\]\.app_max_idle_tme: unknown key/)
})

t.test('paastis check names what will be stopped when idle, and what counts as activity', async (t) => {
  const dir = folder(t)
  writeFileSync(path.join(dir, 'paastis.yml'), appsYaml([{ name: 'hello', port: await freePort() }, { name: 'prod', port: await freePort() }]) + "rules:\n  - pattern: '^prod$'\n    ignore: true\n")
  const check = runPaastis(['check'], { PAASTIS_CONFIG_FILE: path.join(dir, 'paastis.yml'), PAASTIS_STATE_DIR: path.join(dir, 'state') })
  t.equal(await check.exit, 0)
  t.match(check.output(), /1 app will be stopped when idle: hello \(15m\); 1 left alone\.\nOnly requests through Paastis count as activity/)
  t.match(check.output(), /set DRY_RUN=true first, or MANAGE_APPS=opt-in/)
  const dry = runPaastis(['check', '--dry-run'], { PAASTIS_CONFIG_FILE: path.join(dir, 'paastis.yml'), PAASTIS_STATE_DIR: path.join(dir, 'state') })
  t.equal(await dry.exit, 0)
  t.match(dry.output(), /1 app would be stopped when idle \(DRY_RUN: none will be/)
})

t.test('Redis registry: an edited paastis.yml reaches the records that come back from Redis at a restart', async (t) => {
  const redis = await startRedis(t)
  const dir = folder(t)
  const ports = [await freePort(), await freePort()]
  const apps = appsYaml([{ name: 'hello', port: ports[0] }, { name: 'other', port: ports[1] }])
  writeFileSync(path.join(dir, 'paastis.yml'), apps + rulesYaml('5m', false))
  const env = { REGISTRY_TYPE: 'redis', REGISTRY_REDIS_URL: redis.url }
  const before = await paastis(t, dir, env)
  t.same(await appsOf(before.port), { hello: { maxIdleTime: '5m', ignored: false }, other: { maxIdleTime: '15m', ignored: false } })
  before.child.kill('SIGTERM')
  t.equal(await before.exit, 0)
  writeFileSync(path.join(dir, 'paastis.yml'), apps + rulesYaml('1m', true))
  const after = await paastis(t, dir, env)
  t.same(await appsOf(after.port), { hello: { maxIdleTime: '1m', ignored: false }, other: { maxIdleTime: '15m', ignored: true } }, '1m and ignored, from the file, not from the stored records')
  const visit = await request(`http://127.0.0.1:${after.port}/`, { headers: { host: 'other.localhost' } })
  t.equal(visit.statusCode, 503, 'other is not woken')
  t.match(await visit.body.text(), /APP_IGNORED|never starts|leave alone|left alone/i)
  const stop = await request(`http://127.0.0.1:${after.port}/apps/other/stop`, { method: 'POST', headers: admin })
  t.equal(stop.statusCode, 409, 'nor stoppable')
  await stop.body.dump()
})

t.test('two replicas on one Redis converge after each reloads; /readyz shows what each runs', async (t) => {
  const redis = await startRedis(t)
  const dirs = [folder(t), folder(t)]
  const port = await freePort()
  // An app managed elsewhere: both replicas see one process.
  const apps = `apps:\n  - name: hello\n    start: 'true'\n    stop: 'true'\n    status: 'false'\n    upstream: http://127.0.0.1:${port}\n`
  for (const dir of dirs) writeFileSync(path.join(dir, 'paastis.yml'), apps + rulesYaml('5m', false))
  const env = { REGISTRY_TYPE: 'redis', REGISTRY_REDIS_URL: redis.url, REGISTRY_REDIS_SYNC_INTERVAL: '200ms' }
  const replicas = [await paastis(t, dirs[0], env), await paastis(t, dirs[1], env)]
  const hashes = async (): Promise<Array<Record<string, string> | undefined>> => await Promise.all(replicas.map(async (replica) => (await readyz(replica.port)).configuration.replicas))
  t.ok(await eventually(async () => (await hashes()).every((seen) => Object.keys(seen ?? {}).length === 2), 10_000), 'each replica sees both')
  for (const [i, dir] of dirs.entries()) {
    writeFileSync(path.join(dir, 'paastis.yml'), apps + rulesYaml('1m', false))
    replicas[i].child.kill('SIGHUP')
    if (i === 0) {
      t.ok(await eventually(async () => /different paastis\.yml/.test((await readyz(replicas[1].port)).checks.replicas ?? ''), 10_000), 'one reloaded: readyz says they differ')
    }
  }
  t.ok(await eventually(async () => {
    const seen = await hashes()
    return seen.every((replicasSeen) => new Set(Object.values(replicasSeen ?? {})).size === 1 && Object.keys(replicasSeen ?? {}).length === 2)
  }, 10_000), 'both reloaded: one hash everywhere')
  for (const replica of replicas) {
    t.same((await appsOf(replica.port)).hello, { maxIdleTime: '1m', ignored: false }, `replica ${replica.port} applies it`)
    t.equal((await readyz(replica.port)).checks.replicas, undefined)
  }
  await Promise.all(replicas.map(async (replica) => {
    replica.child.kill('SIGTERM')
    await once(replica.child, 'exit')
  }))
})
