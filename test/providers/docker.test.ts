// The docker provider over a fake engine, for what the real one here cannot show: containers on a
// shared network or with published ports (the test engine has no bridge), a group or keys that
// cannot work, a HEALTHCHECK that fails, a container that exits while it is woken, an image gone.
import type http from 'node:http'
import t, { type Test } from 'tap'
import type { AppRecord } from '../../lib/core/app-record'
import { DockerEngine, type ContainerDetails, type ContainerSummary } from '../../providers/docker-engine'
import { DockerProvider } from '../../providers/docker'
import { fakeEngine } from '../fakes/docker-engine'

const silent = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} }

interface FakeState {
  containers: ContainerSummary[]
  details: Record<string, ContainerDetails>
  /** What POST /containers/{id}/start answers. */
  start?: { status: number, message: string }
}

async function setup (t: Test, state: FakeState) {
  const engine = await fakeEngine(t, (request: http.IncomingMessage, response: http.ServerResponse) => {
    const url = request.url ?? ''
    const send = (status: number, body: unknown): void => {
      response.statusCode = status
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify(body))
    }
    if (url.startsWith('/v1.41/containers/json')) return send(200, state.containers)
    const inspect = /^\/v1.41\/containers\/([^/]+)\/json$/.exec(url)
    if (inspect !== null) return send(200, state.details[inspect[1]])
    if (/\/start$/.test(url)) return state.start === undefined ? send(204, '') : send(state.start.status, { message: state.start.message })
    if (/\/stop/.test(url)) return send(204, '')
    send(404, { message: 'page not found' })
  })
  const provider = new DockerProvider({
    engine: new DockerEngine({ host: engine.host, tlsVerify: false, timeoutMs: 2000 }),
    log: silent,
    hostAddress: '10.0.0.5',
    stopTimeoutS: 1,
    operationTimeoutMs: 2000
  })
  t.teardown(() => provider.close())
  return { provider, paths: engine.paths }
}

const summary = (name: string, labels: Record<string, string>, more: Partial<ContainerSummary> = {}): ContainerSummary => ({
  Id: `${name}-id`, Names: [`/${name}`], Image: `${name}:latest`, State: 'exited', Labels: { 'paastis.enable': 'true', ...labels }, HostConfig: { NetworkMode: 'bridge' }, ...more
})
const record = (name: string): AppRecord => ({ name } as unknown as AppRecord)

t.test('where a container answers, known before it starts', async (t) => {
  const { provider, paths } = await setup(t, {
    containers: [
      summary('on-net', { 'paastis.port': '3000', 'paastis.network': 'apps' }),
      summary('on-host', { 'paastis.port': '4000' }, { HostConfig: { NetworkMode: 'host' } }),
      summary('published', { 'paastis.port': '80' }, { State: 'running', Ports: [{ PrivatePort: 80, PublicPort: 8081, Type: 'tcp' }] }),
      summary('bound', { 'paastis.port': '80' }),
      summary('nowhere', { 'paastis.port': '80' })
    ],
    details: {
      'bound-id': { Id: 'bound-id', Name: '/bound', State: { Status: 'exited', Running: false, ExitCode: 0 }, HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '8082' }] } } },
      'nowhere-id': { Id: 'nowhere-id', Name: '/nowhere', State: { Status: 'exited', Running: false, ExitCode: 0 }, HostConfig: { PortBindings: {} } }
    }
  })
  const apps = new Map((await provider.list()).map((app) => [app.name, app]))
  t.equal(apps.get('on-net')?.upstream, 'http://on-net:3000', 'by name on the shared network')
  t.equal(apps.get('on-host')?.upstream, 'http://10.0.0.5:4000', 'the host network: the host address')
  t.equal(apps.get('published')?.upstream, 'http://10.0.0.5:8081', 'a published port of a running container')
  t.equal(apps.get('bound')?.upstream, 'http://10.0.0.5:8082', "a stopped one's binding, from its configuration")
  t.equal(apps.get('nowhere')?.upstream, undefined)
  t.match(apps.get('nowhere')?.rule, { ignore: true, pattern: /^not managed: container nowhere: Paastis cannot know its address before it starts: publish paastis.port on a fixed host port \(-p 8080:80\), run it on the host network, or name a network/ })
  await provider.list()
  t.equal(paths.filter((path) => path === '/v1.41/containers/bound-id/json').length, 1, 'a binding is read once per container')
})

t.test('keys and groups: Compose names, one app per group, and the groups that cannot work', async (t) => {
  const { provider } = await setup(t, {
    containers: [
      summary('proj-web-1', { 'paastis.port': '80', 'com.docker.compose.project': 'proj', 'com.docker.compose.service': 'web' }, { HostConfig: { NetworkMode: 'host' } }),
      summary('Odd_Name.1', { 'paastis.port': '80' }, { HostConfig: { NetworkMode: 'host' } }),
      summary('a', { 'paastis.group': 'pair', 'paastis.port': '80' }, { HostConfig: { NetworkMode: 'host' }, State: 'running' }),
      summary('b', { 'paastis.group': 'pair' }, { State: 'exited' }),
      summary('x', { 'paastis.group': 'two', 'paastis.port': '80' }, { HostConfig: { NetworkMode: 'host' } }),
      summary('y', { 'paastis.group': 'two', 'paastis.port': '81' }, { HostConfig: { NetworkMode: 'host' } }),
      summary('twin-1', { 'paastis.name': 'twin', 'paastis.port': '80' }, { HostConfig: { NetworkMode: 'host' } }),
      summary('twin-2', { 'paastis.name': 'twin', 'paastis.port': '80' }, { HostConfig: { NetworkMode: 'host' } }),
      summary('portless', {})
    ],
    details: {}
  })
  const apps = new Map((await provider.list()).map((app) => [app.name, app]))
  t.same([...apps.keys()].sort(), ['odd-name-1', 'pair', 'portless', 'proj-web', 'twin', 'two'])
  t.equal(apps.get('pair')?.state, 'failed', 'a group half running')
  t.equal(apps.get('pair')?.detail, 'stopped members: b')
  t.equal(apps.get('pair')?.rule, undefined, 'managed')
  t.match(apps.get('two')?.rule?.pattern, /^not managed: containers x and y of group "two" both have paastis.port: a group has one member that serves/)
  t.match(apps.get('twin')?.rule?.pattern, /^not managed: containers twin-1 and twin-2 share the key "twin" without one paastis.group: give each its own paastis.name, or put them in one group/)
  t.match(apps.get('portless')?.rule?.pattern, /^not managed: no container of "portless" has a paastis.port label/)
})

t.test('a start: helpers first, a failing HEALTHCHECK, an exit while waiting, an image gone', async (t) => {
  const base = { Name: '', HostConfig: {} }
  const state: FakeState = {
    containers: [
      summary('sick', { 'paastis.port': '80' }, { HostConfig: { NetworkMode: 'host' } }),
      summary('crash', { 'paastis.port': '80' }, { HostConfig: { NetworkMode: 'host' } }),
      summary('web', { 'paastis.port': '80', 'paastis.group': 'g' }, { HostConfig: { NetworkMode: 'host' } }),
      summary('db', { 'paastis.group': 'g' })
    ],
    details: {
      'sick-id': { ...base, Id: 'sick-id', State: { Status: 'running', Running: true, ExitCode: 0, Health: { Status: 'unhealthy', Log: [{ ExitCode: 1, Output: 'curl: (7) Failed to connect\n' }] } } },
      'crash-id': { ...base, Id: 'crash-id', State: { Status: 'exited', Running: false, ExitCode: 3, Error: '' } },
      'web-id': { ...base, Id: 'web-id', State: { Status: 'running', Running: true, ExitCode: 0 } }
    }
  }
  const { provider, paths } = await setup(t, state)
  await provider.list()
  await t.rejects(provider.start(record('sick')), /docker start sick: container sick's HEALTHCHECK reports unhealthy: curl: \(7\) Failed to connect$/)
  await t.rejects(provider.start(record('crash')), /docker start crash: container crash exited with code 3$/)
  paths.length = 0
  await provider.start(record('g'))
  t.same(paths.filter((path) => path.endsWith('/start')), ['/v1.41/containers/db-id/start', '/v1.41/containers/web-id/start'], 'the helper, then the member that serves')
  paths.length = 0
  await provider.stop(record('g'))
  t.same(paths.filter((path) => /\/stop/.test(path)), ['/v1.41/containers/web-id/stop?t=1', '/v1.41/containers/db-id/stop?t=1'], 'the member that serves first')
  state.start = { status: 404, message: 'No such image: web:latest' }
  await t.rejects(provider.start(record('g')), /docker start g: the image of container db \(db:latest\) no longer exists: pull or build it again, then recreate the container/)
  t.same(await provider.stop(record('gone')), undefined, 'stopping an app whose container is gone: nothing to do')
})
