// The Redis registry with several Paastis replicas: real redis-server, real Paastis processes.
import type { ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { appsYaml, build, eventually, FIXTURE_APP, freePort, ManualClock, startsIn } from '../helper'
import { startRedis } from '../redis'
import { runPaastis } from './paastis-process'

/** An app managed elsewhere (start/stop/status), so that every replica sees the same state. */
function sharedAppYaml (dir: string, port: number): string {
  const pid = path.join(dir, 'app.pid')
  return `apps:
  - name: shared
    start: node ${JSON.stringify(FIXTURE_APP)} > /dev/null 2>&1 & echo $! > ${pid}
    stop: kill $(cat ${pid}) && rm -f ${pid}
    status: test -f ${pid} && kill -0 $(cat ${pid})
    upstream: http://127.0.0.1:${port}
    env: { PORT: '${port}', START_LOG: '${path.join(dir, 'starts')}', READY_DELAY_MS: '500', APP_LABEL: shared }
`
}

function killSharedApp (dir: string): void {
  const pid = path.join(dir, 'app.pid')
  if (!existsSync(pid)) return
  // Empty while the start's shell writes it: Number('') is 0, and kill(0) is this whole process group.
  const number = Number(readFileSync(pid, 'utf8').trim())
  if (!Number.isSafeInteger(number) || number <= 1) return
  try { process.kill(number, 'SIGKILL') } catch {}
}

interface Replica { port: number, child: ChildProcess, output: () => string }

async function replica (t: Test, env: Record<string, string>): Promise<Replica> {
  const port = await freePort()
  const { child, output } = runPaastis([], { HOST: '127.0.0.1', PORT: String(port), ...env })
  t.teardown(() => { child.kill('SIGKILL') })
  if (!await eventually(() => output().includes('Server listening'), 60_000)) throw new Error(`replica did not start:\n${output()}`)
  return { port, child, output }
}

const get = async (port: number, host: string): Promise<{ status: number, body: string }> => {
  const response = await request(`http://127.0.0.1:${port}/`, { headers: { host } })
  return { status: response.statusCode, body: await response.body.text() }
}

t.test('three replicas on one Redis: 300 concurrent requests, one start; traffic on replica 2 keeps the app up while replica 1 sweeps', async (t) => {
  const redis = await startRedis(t)
  const dir = t.testdir({})
  const appPort = await freePort()
  const { writeFileSync } = await import('node:fs')
  writeFileSync(path.join(dir, 'paastis.yml'), sharedAppYaml(dir, appPort))
  t.teardown(() => killSharedApp(dir))
  const common = {
    REGISTRY_TYPE: 'redis',
    REGISTRY_REDIS_URL: redis.url,
    PAASTIS_CONFIG_FILE: path.join(dir, 'paastis.yml'),
    START_AND_STOP_MAX_IDLE_TIME: '4s',
    REGISTRY_REDIS_SYNC_INTERVAL: '500ms'
  }
  const sweeper = await replica(t, { ...common, START_AND_STOP_CHECKING_INTERVAL_CRON: '* * * * * *' })
  const quiet = { ...common, START_AND_STOP_CHECKING_INTERVAL_CRON: '0 0 1 1 *' }
  const [second, third] = await Promise.all([replica(t, quiet), replica(t, quiet)])
  const replicas = [sweeper, second, third]

  const responses = await Promise.all(Array.from({ length: 300 }, (_, i) => get(replicas[i % 3].port, 'shared.localhost')))
  t.equal(responses.filter((r) => r.status === 200).length, 300, 'all 300 answered')
  t.ok(responses.every((r) => JSON.parse(r.body).app === 'shared'))
  t.equal(startsIn(path.join(dir, 'starts')), 1, 'exactly one start across the replicas')

  // Only replica 2 sees traffic, for twice the idle time; replica 1 runs the sweep every second.
  const until = Date.now() + 8000
  while (Date.now() < until) {
    t.equal((await get(second.port, 'shared.localhost')).status, 200)
    await sleep(500)
  }
  t.ok(existsSync(path.join(dir, 'app.pid')), "replica 2's traffic kept the app awake through replica 1's sweeps")
  t.ok(await eventually(() => !existsSync(path.join(dir, 'app.pid')), 15_000), 'once the traffic stops, the sweep stops it')
  t.ok(await eventually(() => /"cause":"idle".*"msg":"app stopped"/.test(sweeper.output())), 'replica 1 stopped it')
  t.equal(startsIn(path.join(dir, 'starts')), 1)
})

t.test('a restart loses nothing: records, formations and activity come back from Redis', async (t) => {
  const redis = await startRedis(t)
  const port = await freePort()
  const env = { REGISTRY_TYPE: 'redis', REDIS_URL: redis.url }
  const first = await build(t, { yaml: appsYaml([{ name: 'keeper', port }]), env })
  await first.lifecycle.wake('keeper', 'test')
  const record = first.registry.get('keeper')
  if (record === undefined) throw new Error('no record')
  record.formation = { web: 2, worker: 0 }
  record.maxIdleTimeMs = 7_200_000
  await first.registry.save(record)
  const lastActivityAt = record.lastActivityAt
  await first.close()

  const second = await build(t, { yaml: appsYaml([{ name: 'keeper', port }]), env })
  // State comes back from Redis; configuration comes from the rules (no rule here: the default), never from the stored copy.
  t.match(second.registry.get('keeper'), { formation: { web: 2, worker: 0 }, maxIdleTimeMs: 900_000, lastActivityAt })
  t.equal(second.registry.get('keeper')?.state, 'stopped', 'its process went with the first Paastis: found stopped')
  t.match(await second.events.query({ app: 'keeper' }), [{ type: 'stopped_outside' }, { type: 'started' }, { type: 'starting' }],
    'events of both lives, from the Redis stream')
  await second.registry.clear()
  t.equal(await redis.client.exists('paastis:apps', 'paastis:activity'), 0, 'DELETE /apps removes the records and the activity')
  t.equal(await redis.client.exists('paastis:events'), 1, 'and keeps the event history, which the accounting reads')
})

t.test('Redis stops under traffic: warm requests go on, readiness says so, and activity is flushed when it is back', async (t) => {
  const redis = await startRedis(t)
  const [warm, cold] = [await freePort(), await freePort()]
  const dir = t.testdir({})
  const startLog = path.join(dir, 'starts')
  const server = await build(t, {
    yaml: appsYaml([{ name: 'warm', port: warm, env: { START_LOG: startLog } }, { name: 'cold', port: cold }]),
    env: { REGISTRY_TYPE: 'redis', REGISTRY_REDIS_URL: redis.url, REGISTRY_REDIS_SYNC_INTERVAL: '200ms', ROUTING_SYSTEM_API_TOKEN: 'x' }
  })
  await server.lifecycle.wake('warm', 'test')
  await redis.stop()
  for (let i = 0; i < 20; i++) {
    const response = await server.inject({ url: `/${i}`, headers: { host: 'warm.example.com' } })
    if (response.statusCode !== 200) t.fail(`warm request ${i}: ${response.statusCode}`)
  }
  t.pass('20 warm requests answered with Redis down')
  t.ok(await eventually(() => server.registrySync?.degraded === true), 'the sync noticed')
  const ready = await server.inject({ url: '/readyz', headers: { host: 'localhost' } })
  t.equal(ready.statusCode, 503)
  t.match(ready.json(), { checks: { redis: /Redis does not answer/ } })
  const coldResponse = await server.inject({ url: '/', headers: { host: 'cold.example.com' } })
  t.equal(coldResponse.statusCode, 200, 'a wake still works on this replica alone')

  const lastActivityAt = server.registry.get('warm')?.lastActivityAt
  await redis.start()
  t.ok(await eventually(async () => Number(await redis.client.zscore('paastis:activity', 'warm').catch(() => 0)) === lastActivityAt, 10_000),
    'the activity seen while Redis was down is flushed')
  t.ok(await eventually(() => server.registrySync?.degraded === false))
  t.equal((await server.inject({ url: '/readyz', headers: { host: 'localhost' } })).statusCode, 200)
  t.ok(await redis.client.hexists('paastis:apps', 'cold'), 'the records lost with Redis are written back')
  t.equal((await server.inject({ url: '/', headers: { host: 'warm.example.com' } })).statusCode, 200)
  t.equal(startsIn(startLog), 1, 'no duplicate start')
})

t.test('REGISTRY_TYPE=redis needs a URL', async (t) => {
  await t.rejects(build(t, { env: { REGISTRY_TYPE: 'redis' } }), { message: /REGISTRY_REDIS_URL \(or REDIS_URL\) is required/ })
})

t.test('two replicas on one Redis give the same accounting: one started the app, the other stopped it', async (t) => {
  const redis = await startRedis(t)
  const dir = t.testdir({})
  const appPort = await freePort()
  t.teardown(() => killSharedApp(dir))
  const clock = new ManualClock(Date.parse('2026-11-30T00:00:00Z'))
  const env = { REGISTRY_TYPE: 'redis', REGISTRY_REDIS_URL: redis.url, ROUTING_SYSTEM_API_TOKEN: 'tk', START_AND_STOP_MAX_IDLE_TIME: 'never' }
  const yaml = sharedAppYaml(dir, appPort)
  const [one, two] = [await build(t, { yaml, clock, env }), await build(t, { yaml, clock, env })]
  const headers = { host: 'localhost', authorization: 'Bearer tk' }
  t.equal((await one.inject({ method: 'POST', url: '/apps/shared/start?wait=true', headers })).statusCode, 200)
  clock.advance(3_600_000)
  t.equal((await two.inject({ method: 'POST', url: '/apps/shared/stop', headers })).statusCode, 200)
  clock.advance(3 * 3_600_000)
  const url = '/savings?from=2026-11-30T00:00:00Z&to=2026-11-30T04:00:00Z'
  const fromOne = (await one.inject({ url, headers })).json()
  const fromTwo = (await two.inject({ url, headers })).json()
  t.match(fromOne, { hoursAsleep: 3, hoursRunning: 1 })
  t.same(fromTwo, fromOne, 'the same figures from either replica')
  const told = (await two.inject({ url: '/events?app=shared', headers })).json() as Array<{ type: string }>
  t.same(told.map((e) => e.type), ['stopped', 'stopping', 'started', 'starting', 'discovered'], "one history: the first replica's start, the second's stop")
})
