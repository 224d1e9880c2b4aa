// The `docker` provider against a real Docker Engine (a private dockerd, test/docker.ts): labelled
// containers only, one start for a burst of requests, idle stops, groups, outside changes seen
// through the event stream (no scheduled check runs in these tests: only an event can explain
// them), HEALTHCHECK readiness, the engine restarted, its socket gone, and one `providers:` list
// mixing Docker, the Scalingo fake and local processes. The real `paastis check` lists them.
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { request } from 'undici'
import { FakeScalingo } from '../fakes/scalingo'
import { appsYaml, build, eventually, freePort, ManualClock, portOf, type LogLine } from '../helper'
import { CONTAINER_APP, dockerMissing, READY_CHECK, startDocker, TEST_IMAGE } from '../docker'

const missing = dockerMissing()
if (missing !== undefined) {
  t.fail(`the Docker cases need a Docker Engine: ${missing}`)
} else {
  t.setTimeout(600_000)
  void main()
}

const ADMIN = { host: 'localhost', authorization: 'Bearer tk' }

async function main (): Promise<void> {
  const engine = await startDocker(t)
  const docker = engine.docker

  /** A container of CONTAINER_APP on the host network, created (not started) unless `running`. */
  async function container (name: string, labels: Record<string, string>, options: { port?: number, running?: boolean, health?: boolean, env?: Record<string, string> } = {}): Promise<number> {
    const port = options.port ?? await freePort()
    const env = { PORT: String(port), APP_NAME: name, ...options.env }
    // The engine's API rather than the CLI: `docker create --health-cmd` runs its command with
    // /bin/sh, which the image has not; the API takes it as an argument list.
    await engine.api('POST', `/containers/create?name=${name}`, {
      Image: TEST_IMAGE,
      Cmd: ['/bin/node', '-e', CONTAINER_APP],
      Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
      Labels: labels,
      StopTimeout: 5,
      HostConfig: { NetworkMode: 'host' },
      Healthcheck: options.health === true ? { Test: ['CMD', ...READY_CHECK], Interval: 100_000_000, Retries: 1000 } : undefined
    })
    if (options.running === true) await docker('start', name)
    return port
  }
  /** Each case begins on an empty engine (a failed case leaves its containers behind). */
  const clean = async (): Promise<void> => {
    const ids = (await docker('ps', '-aq')).split('\n').filter((id) => id !== '')
    if (ids.length > 0) await docker('rm', '-f', ...ids)
  }
  const stateOf = async (name: string): Promise<string> => await docker('inspect', '--format', '{{.State.Status}}', name)
  const boots = async (name: string): Promise<number> => (await docker('logs', name)).split('\n').filter((line) => line === 'booted').length
  const get = async (port: number, host: string): Promise<{ status: number, body: string }> => {
    const response = await request(`http://127.0.0.1:${port}/`, { headers: { host }, headersTimeout: 60_000, bodyTimeout: 60_000 })
    return { status: response.statusCode, body: await response.body.text() }
  }
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    PROVIDER_NAME: 'docker', DOCKER_HOST: engine.host, ROUTING_SYSTEM_API_TOKEN: 'tk', EVENTS_STORE_TYPE: 'memory', PROVIDER_DOCKER_STOP_TIMEOUT: '5', ...extra
  })

  await t.test('labelled containers are discovered; unlabelled ones are never touched; 100 requests, one start; idle stop', async (t) => {
    await clean()
    const webPort = await freePort()
    await container('web', { 'paastis.enable': 'true', 'paastis.port': String(webPort), 'paastis.max_idle_time': '10m', 'paastis.cost_per_hour': '0.25' }, { port: webPort })
    await container('bystander', {}, { running: true })
    await container('opted-out', { 'paastis.enable': 'false', 'paastis.port': '1' }, { running: true })
    const clock = new ManualClock()
    const server = await build(t, { env: env(), clock, listen: true })
    t.same(server.registry.list().map((record) => [record.name, record.state, record.upstream]), [['web', 'stopped', `http://127.0.0.1:${webPort}`]], 'only the container labelled paastis.enable=true')
    t.equal(server.registry.get('web')?.maxIdleTimeMs, 10 * 60_000, 'its label paastis.max_idle_time is its rule')
    t.equal(server.rules.policyFor('web').costPerHour, 0.25)
    t.same(server.registry.get('web')?.rules, ['labels: cost_per_hour=0.25, max_idle_time=10m'], 'the rules that shaped it name the labels')

    const port = portOf(server)
    const answers = await Promise.all(Array.from({ length: 100 }, async () => await get(port, 'web')))
    t.same(new Set(answers.map((answer) => `${answer.status} ${answer.body}`)), new Set(['200 web ready']), '100 held requests, each answered by the container')
    t.equal(await boots('web'), 1, 'one start of the container')
    t.equal(server.provider.counts.start.calls, 1, 'one start call')

    // A pin keeps it awake past its idle time, like any app's.
    const pin = await server.inject({ method: 'POST', url: '/apps/web/pin?for=30m', headers: ADMIN })
    t.equal(pin.statusCode, 200)
    clock.advance(11 * 60_000)
    t.same((await server.reconciler.tick()).stopped, [], 'pinned: not stopped')
    t.equal((await server.inject({ method: 'DELETE', url: '/apps/web/pin', headers: ADMIN })).statusCode, 200)
    const report = await server.reconciler.tick()
    t.same(report.stopped, ['web'], 'idle: stopped')
    t.equal(await stateOf('web'), 'exited')
    clock.advance(4 * 3600_000)
    const savings = (await server.inject({ url: '/savings', headers: ADMIN })).json() as { apps: Array<{ app: string, hoursAsleep: number, saved: number | null }> }
    t.match(savings.apps.find((app) => app.app === 'web'), { hoursAsleep: 4, saved: 1 }, 'its hours asleep and, by its label, the money saved')
    t.equal(await stateOf('bystander'), 'running', 'an unlabelled container runs on')
    t.equal(await stateOf('opted-out'), 'running', 'paastis.enable=false is not opting in')
    await docker('rm', '-f', 'web', 'bystander', 'opted-out')
  })

  await t.test('a group wakes and sleeps together; outside kills and starts are seen through the events', async (t) => {
    await clean()
    const port = await freePort()
    await container('shop-web', { 'paastis.enable': 'true', 'paastis.group': 'shop', 'paastis.port': String(port) }, { port })
    await container('shop-worker', { 'paastis.enable': 'true', 'paastis.group': 'shop' })
    const server = await build(t, { env: env(), listen: true })
    t.same(server.registry.list().map((record) => record.name), ['shop'], 'one app for the group')
    t.same(await get(portOf(server), 'shop'), { status: 200, body: 'shop-web ready' })
    t.same([await stateOf('shop-web'), await stateOf('shop-worker')], ['running', 'running'], 'both members woke')

    // Outside Paastis: no scheduled check runs here, so only the event stream can tell.
    const killedAt = Date.now()
    await docker('kill', 'shop-web')
    t.ok(await eventually(() => server.registry.get('shop')?.state === 'failed', 30_000), 'a kill is seen: the group is half down')
    t.comment(`the kill was seen ${Date.now() - killedAt} ms after \`docker kill\` was run`)
    t.not(server.registry.get('shop')?.state, 'running', 'the registry no longer sends requests to it')
    await docker('start', 'shop-web')
    t.ok(await eventually(() => server.registry.get('shop')?.state === 'running', 30_000), 'a start outside is seen, and the app adopted once it answers')

    const stopped = await server.lifecycle.stop('shop', 'admin')
    t.equal(stopped.stopped, true)
    t.same([await stateOf('shop-web'), await stateOf('shop-worker')], ['exited', 'exited'], 'both members slept')
    await docker('rm', '-f', 'shop-web', 'shop-worker')
  })

  await t.test('a container removed while Paastis wakes it: the wake fails with what to do', async (t) => {
    await clean()
    const port = await freePort()
    await container('brief', { 'paastis.enable': 'true', 'paastis.port': String(port) }, { port })
    const server = await build(t, { env: env({ WAITING_PAGE_AFTER: '1h' }), listen: true })
    t.equal(server.registry.get('brief')?.state, 'stopped')
    await docker('rm', 'brief')
    const answer = await get(portOf(server), 'brief')
    t.equal(answer.status, 503, 'the held request gets the failure')
    const failed = await server.events.query({ app: 'brief', type: 'start_failed' as never })
    t.match(failed[0]?.message, /^brief could not be started: docker start brief: (container brief|its container) was removed \(docker rm\)[^:]*: recreate it, or Paastis forgets the app at its next checks/)
    t.equal(server.registry.get('brief')?.state, 'failed', 'the registry is intact: the app is known, failed')
  })

  await t.test('a HEALTHCHECK holds the requests until it reports healthy', async (t) => {
    await clean()
    const port = await freePort()
    await container('slow', { 'paastis.enable': 'true', 'paastis.port': String(port) }, { port, health: true, env: { READY_AFTER_MS: '2000' } })
    const server = await build(t, { env: env(), listen: true })
    const answer = await get(portOf(server), 'slow')
    t.same(answer, { status: 200, body: 'slow ready' }, 'the app listened at once and answered "booting" for 2 s: the request waited for the healthcheck')
    t.equal(await docker('inspect', '--format', '{{.State.Health.Status}}', 'slow'), 'healthy')
    await docker('rm', '-f', 'slow')
  })

  await t.test('the engine restarted: the event stream reconnects, nothing is forgotten', async (t) => {
    await clean()
    const port = await freePort()
    await container('steady', { 'paastis.enable': 'true', 'paastis.port': String(port) }, { port, running: true })
    const logs: LogLine[] = []
    const server = await build(t, { env: env(), logs })
    t.ok(await eventually(() => server.registry.get('steady')?.state === 'running', 30_000), 'adopted as running')
    await engine.restart()
    // dockerd stops its containers when it stops: seen once the stream is open again.
    t.ok(await eventually(() => server.registry.get('steady')?.state === 'stopped', 60_000), 'its stop is seen after the engine came back')
    t.ok(logs.some((line) => /Docker event stream: .*opening it again/.test(line.msg)), 'the drop is logged')
    t.ok(await eventually(() => logs.some((line) => line.msg === 'the Docker event stream is open again'), 30_000), 'and the reconnection')
    await docker('start', 'steady')
    t.ok(await eventually(() => server.registry.get('steady')?.state === 'running', 30_000), 'a start after the restart is seen: the stream is live')
    t.same(server.registry.list().map((record) => record.name), ['steady'], 'nothing forgotten')
    await docker('rm', '-f', 'steady')
  })

  await t.test('one providers: list mixing Docker, the Scalingo fake and local processes; the socket removed', async (t) => {
    await clean()
    const scalingo = new FakeScalingo(['osc-fr1'], 'tk-us-scalingo')
    await scalingo.listen()
    t.teardown(() => scalingo.close())
    await scalingo.addApp('billing', { web: 0 })
    const port = await freePort()
    await container('api', { 'paastis.enable': 'true', 'paastis.port': String(port) }, { port })
    const toolPort = await freePort()
    const logs: LogLine[] = []
    const server = await build(t, {
      yaml: `providers:
  - name: containers
    type: docker
    host: ${engine.host}
  - name: paas
    type: scalingo
    api_token: \${SCALINGO_TOKEN}
    auth_url: ${scalingo.baseUrl}
  - name: local
    type: command
${appsYaml([{ name: 'tool', port: toolPort }])}`,
      env: env({ PROVIDER_NAME: 'command', SCALINGO_TOKEN: 'tk-us-scalingo', PROVIDER_POLL_INTERVAL: '30ms', PROVIDER_RETRIES: '0' }),
      listen: true,
      logs
    })
    t.same(server.registry.list().map((record) => [record.name, record.provider]).sort(), [['api', 'containers'], ['billing', 'paas'], ['tool', 'local']])
    t.same(await get(portOf(server), 'api'), { status: 200, body: 'api ready' }, 'the container wakes')
    t.equal((await get(portOf(server), 'tool')).status, 200, 'the local process wakes')

    // A stopped engine removes its socket: what an operator sees when the engine is gone.
    await engine.stop()
    const report = await server.reconciler.tick()
    t.equal(report.discoveryError, undefined, 'the other providers were listed')
    const readyz = await server.inject({ url: '/readyz', headers: ADMIN })
    t.match(readyz.body, /containers did not answer at the last check \(.*the Docker socket \S+ does not exist: is the engine running/, '/readyz says what is wrong')
    t.same(server.registry.list().map((record) => record.name).sort(), ['api', 'billing', 'tool'], 'the Docker app is kept while its engine cannot be listed')
    t.equal((await get(portOf(server), 'tool')).status, 200, 'the other providers are served')
    t.ok(await eventually(() => logs.some((line) => /Docker event stream: .*does not exist/.test(line.msg)), 30_000), 'the log says it too')
    await engine.start()
    await server.reconciler.tick()
    t.equal(server.registry.get('api')?.state, 'stopped', 'listed again once the engine is back (it stopped its containers)')
    t.same(await get(portOf(server), 'api'), { status: 200, body: 'api ready' }, 'and woken again')
    await docker('rm', '-f', 'api')
  })

  await t.test('paastis check lists the labelled containers and their rules; a bad label is named, the container left alone', async (t) => {
    await clean()
    const port = await freePort()
    await container('report', { 'paastis.enable': 'true', 'paastis.port': String(port), 'paastis.max_idle_time': '30m' }, { port })
    await container('typo', { 'paastis.enable': 'true', 'paastis.port': '8080', 'paastis.max_idel_time': '30m' })
    const server = path.join(__dirname, '..', '..', 'dist', 'server.js')
    const { stdout } = await promisify(execFile)(process.execPath, [server, 'check'], {
      env: { PATH: process.env.PATH, PROVIDER_NAME: 'docker', DOCKER_HOST: engine.host },
      cwd: t.testdir(),
      timeout: 60_000
    }).catch((err: { stdout: string }) => err)
    t.match(stdout, /✓ docker: 2 apps listed/)
    t.match(stdout, /report\s+docker\s+stopped\s+30m\s+labels: max_idle_time=30m/)
    t.match(stdout, /typo\s+docker\s+stopped\s+ignored\s+not managed: container typo: label paastis.max_idel_time: unknown key: did you mean "paastis.max_idle_time"/)
    await docker('rm', '-f', 'report', 'typo')
  })
}
