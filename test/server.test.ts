// The built standalone server, as users run it: a real process, real flags, real signals.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { appsYaml, eventually, freePort } from './helper'

const SERVER = path.join(__dirname, '..', 'dist', 'server.js')

interface Running { child: ChildProcess, output: () => string }

function run (args: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, [SERVER, ...args], {
    env: { PATH: process.env.PATH, LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  return { child, output: () => output }
}

t.test('starts with flags that override the environment, proxies, exits 0 on SIGTERM after draining', async (t) => {
  const [port, appPort] = [await freePort(), await freePort()]
  const dir = t.testdir({ 'paastis.yml': appsYaml([{ name: 'hello', port: appPort }]) })
  const server = run(['-P', String(port), '-H', '127.0.0.1', '--config', path.join(dir, 'paastis.yml'), '--max-idle-time', '2h'],
    { PORT: '1', START_AND_STOP_MAX_IDLE_TIME: '5' })
  t.teardown(() => { server.child.kill('SIGKILL') })
  t.ok(await eventually(() => server.output().includes('Server listening'), 10_000), 'listening on the port of the flag')
  // undici's request, not fetch: fetch may not set Host.
  const slow = request(`http://127.0.0.1:${port}/slow?ms=800`, { headers: { host: 'hello.localhost' } })
  await new Promise((resolve) => setTimeout(resolve, 100))
  server.child.kill('SIGTERM')
  const response = await slow
  t.equal(response.statusCode, 200, 'the request in flight (which woke the app) was drained')
  t.equal(await response.body.text(), 'slow done')
  const [code] = await once(server.child, 'exit') as [number]
  t.equal(code, 0, 'exit 0')
  t.match(server.output(), /shutting down/)
  await t.rejects(fetch(`http://127.0.0.1:${appPort}/`), 'the app it spawned is stopped too')
})

t.test('a bad environment value: exit 1 and a message naming the variable', async (t) => {
  const server = run([], { PORT: 'abc' })
  const [code] = await once(server.child, 'exit') as [number]
  t.equal(code, 1)
  t.match(server.output(), /PORT must be integer/)
})

t.test('a broken paastis.yml: exit 1 with file and line', async (t) => {
  const dir = t.testdir({ 'paastis.yml': 'rules:\n  - pattern: ok\n  - pattern: "(("\n' })
  const server = run(['--config', path.join(dir, 'paastis.yml')], { PORT: '0' })
  const [code] = await once(server.child, 'exit') as [number]
  t.equal(code, 1)
  t.match(server.output(), /paastis\.yml:3: rules\[1\]\.pattern: invalid regular expression/)
})

t.test('--help, --version and unknown flags', async (t) => {
  const help = run(['--help'], {})
  t.equal((await once(help.child, 'exit'))[0], 0)
  t.match(help.output(), /Usage: paastis/)
  const version = run(['--version'], {})
  t.equal((await once(version.child, 'exit'))[0], 0)
  t.match(version.output(), /^\d+\.\d+\.\d+/)
  const bad = run(['--bogus'], {})
  t.equal((await once(bad.child, 'exit'))[0], 2)
  t.match(bad.output(), /Unknown option '--bogus'/)
})
