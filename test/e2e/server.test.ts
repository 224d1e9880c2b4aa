// The built standalone server, as users run it: a real process, real flags, real signals.
import { once } from 'node:events'
import path from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { FakeScalingo, SCALINGO_TOKEN } from '../fakes/scalingo'
import { appsYaml, eventually, freePort } from '../helper'
import { runPaastis } from './paastis-process'
import { CLI_COMMANDS } from '../../cli/commands'

const run = runPaastis

t.test('starts with flags that override the environment, proxies, exits 0 on SIGTERM after draining', async (t) => {
  const [port, appPort] = [await freePort(), await freePort()]
  const dir = t.testdir({ 'paastis.yml': appsYaml([{ name: 'hello', port: appPort }]) })
  const server = run(['-P', String(port), '-H', '127.0.0.1', '--config', path.join(dir, 'paastis.yml'), '--max-idle-time', '2h'],
    { PORT: '1', START_AND_STOP_MAX_IDLE_TIME: '5' })
  t.teardown(() => { server.child.kill('SIGKILL') })
  t.ok(await eventually(() => server.output().includes('Server listening'), 60_000), 'listening on the port of the flag')
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
  for (const command of CLI_COMMANDS) t.match(help.output(), new RegExp(`[ |]${command}[ |]`), `the top-level help names \`paastis ${command}\``)
  const version = run(['--version'], {})
  t.equal((await once(version.child, 'exit'))[0], 0)
  t.match(version.output(), /^\d+\.\d+\.\d+/)
  const bad = run(['--bogus'], {})
  t.equal((await once(bad.child, 'exit'))[0], 2)
  t.match(bad.output(), /Unknown option '--bogus'/)
})

t.test('a bad flag value names the flag, and a bad LOG_LEVEL is a message, not a pino stack', async (t) => {
  const port = run(['--port', '99999'], {})
  t.equal((await once(port.child, 'exit'))[0], 1)
  t.match(port.output(), /--port \(PORT\) must be <= 65535/)
  const idle = run(['--max-idle-time', 'abc', '--port', '0'], {})
  t.equal((await once(idle.child, 'exit'))[0], 1)
  t.match(idle.output(), /--max-idle-time \(START_AND_STOP_MAX_IDLE_TIME\) must be a duration: minutes \(15\), or 30s, 15m, 2h, 1d, 0 or never/)
  const level = run(['--port', '0'], { LOG_LEVEL: 'verbose' })
  t.equal((await once(level.child, 'exit'))[0], 1)
  t.match(level.output(), /LOG_LEVEL must be one of: fatal, error, warn, info, debug, trace, silent/)
  t.notMatch(level.output(), /at .*pino/, 'no stack')
})

t.test('paastis check: configuration, one listing, the rules and idle time of each app; exit 0 or 1', async (t) => {
  const [a, b] = [await freePort(), await freePort()]
  const dir = t.testdir({
    'paastis.yml': appsYaml([{ name: 'hello', port: a }, { name: 'review-pr1', port: b }]) +
      "rules:\n  - pattern: '^review-'\n    app_max_idle_time: 2h\n"
  })
  const ok = run(['check', '--config', path.join(dir, 'paastis.yml')], { START_AND_STOP_MAX_IDLE_TIME: '20' })
  t.equal((await once(ok.child, 'exit'))[0], 0)
  t.match(ok.output(), /✓ environment and .*paastis\.yml \(1 rules, 2 apps\)/)
  t.match(ok.output(), /✓ command: 2 apps listed/)
  t.match(ok.output(), /^hello\s+command\s+stopped\s+20m\s+–$/m)
  t.match(ok.output(), /^review-pr1\s+command\s+stopped\s+2h\s+\^review-$/m)
  t.notOk(await fetch(`http://127.0.0.1:${a}/`).then(() => true, () => false), 'nothing was started')

  const broken = run(['check', '--config', path.join(dir, 'missing.yml')], {})
  t.equal((await once(broken.child, 'exit'))[0], 1)
  t.match(broken.output(), /✗ configuration: .*missing\.yml: cannot be read/)
})

t.test('paastis check against a PaaS: the apps of the account, or what is wrong with the credentials', async (t) => {
  const api = new FakeScalingo()
  await api.listen()
  t.teardown(() => api.close())
  await api.addApp('front', { web: 1 })
  await api.addApp('back', { web: 0 })
  const env = { PROVIDER_NAME: 'scalingo', PROVIDER_SCALINGO_AUTH_URL: api.baseUrl, PROVIDER_RETRIES: '0' }
  const ok = run(['check'], { ...env, PROVIDER_SCALINGO_API_TOKEN: SCALINGO_TOKEN })
  t.equal((await once(ok.child, 'exit'))[0], 0)
  t.match(ok.output(), /✓ scalingo: 2 apps listed/)
  t.match(ok.output(), /^back\s+scalingo\s+stopped\s+15m/m)
  t.match(ok.output(), /^front\s+scalingo\s+running\s+15m/m)
  const wrong = run(['check'], { ...env, PROVIDER_SCALINGO_API_TOKEN: 'tk-us-wrong' })
  t.equal((await once(wrong.child, 'exit'))[0], 1)
  t.match(wrong.output(), /✗ scalingo: the apps could not be listed: .*401/)
  t.notMatch(wrong.output(), /tk-us-wrong/, 'never the token')
})

t.test('paastis check with several providers: each one\'s outcome, and the conflicts; exit 1 if any fails', async (t) => {
  const [a, b] = [new FakeScalingo(['osc-fr1'], 'tk-us-account-a'), new FakeScalingo(['osc-fr1'], 'tk-us-account-b')]
  for (const api of [a, b]) {
    await api.listen()
    t.teardown(() => api.close())
  }
  await a.addApp('web', { web: 1 })
  await b.addApp('web', { web: 0 })
  await b.addApp('jobs', { web: 0 })
  const yaml = (prefix: string): string => `providers:
  - name: account-a
    type: scalingo
    api_token: \${TOKEN_A}
    auth_url: ${a.baseUrl}
  - name: account-b
    type: scalingo
    api_token: \${TOKEN_B}
    auth_url: ${b.baseUrl}
${prefix}`
  const dir = t.testdir({ 'prefixed.yml': yaml('    app_prefix: b-\n'), 'clash.yml': yaml('') })
  const env = { TOKEN_A: 'tk-us-account-a', TOKEN_B: 'tk-us-account-b', PROVIDER_RETRIES: '0' }
  const ok = run(['check', '--config', path.join(dir, 'prefixed.yml')], env)
  t.equal((await once(ok.child, 'exit'))[0], 0)
  t.match(ok.output(), /✓ account-a: 1 apps listed\n✓ account-b: 2 apps listed/)
  t.match(ok.output(), /^b-web\s+account-b\s+stopped/m)
  t.match(ok.output(), /^web\s+account-a\s+running/m)
  const clash = run(['check', '--config', path.join(dir, 'clash.yml')], env)
  t.equal((await once(clash.child, 'exit'))[0], 1)
  t.match(clash.output(), /✗ "web" is served by account-a and account-b/)
  const wrong = run(['check', '--config', path.join(dir, 'prefixed.yml')], { ...env, TOKEN_B: 'tk-us-wrong-b' })
  t.equal((await once(wrong.child, 'exit'))[0], 1)
  t.match(wrong.output(), /✓ account-a: 1 apps listed\n✗ account-b: the apps could not be listed: .*401/)
  t.notMatch(wrong.output(), /tk-us-wrong-b/, 'never the token')
})
