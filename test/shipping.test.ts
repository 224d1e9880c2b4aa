// What ships: the docs agree with the config schema, the samples load, the Dockerfile refers to
// files that exist and runs the built server, and `fastify start` serves the built app.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { envSchema } from '../lib/config/config-schema'
import { ERROR_CODES, type ErrorCode } from '../lib/common/error-codes'
import { parsePaastisFile, RULE_KEYS } from '../lib/config/paastis-file'
import { errorBody } from '../plugins/error-handler'
import { appsYaml, eventually, freePort } from './helper'

const ROOT = path.join(__dirname, '..')
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8')
const SCHEMA_VARIABLES = Object.keys(envSchema.properties).sort()

t.test("the README's environment table and the config schema agree", async (t) => {
  const readme = read('README.md')
  const table = readme.slice(readme.indexOf('### Environment variables'), readme.indexOf('### `paastis.yml`'))
  const rows = [...table.matchAll(/^\| `([A-Z_]+)` \| ([^|]*) \|/gm)]
  t.same(rows.map((row) => row[1]).sort(), SCHEMA_VARIABLES, 'every variable documented, none invented')
  const properties = envSchema.properties as Record<string, { default?: unknown }>
  for (const [, name, cell] of rows) {
    const documented = cell.trim().replace(/`/g, '')
    const actual = properties[name].default
    t.equal(documented, actual === undefined || actual === '' ? '–' : String(actual), `${name} default`)
  }
})

t.test('env.sample lists every variable with its default', async (t) => {
  const lines = [...read('env.sample').matchAll(/^# ([A-Z_]+)=(.*)$/gm)]
  t.same(lines.map((line) => line[1]).sort(), SCHEMA_VARIABLES)
  const properties = envSchema.properties as Record<string, { default?: unknown }>
  for (const [, name, value] of lines) t.equal(value, String(properties[name].default ?? ''), name)
})

t.test('paastis.yml.sample loads without warning and shows every rule key', async (t) => {
  const sample = read('paastis.yml.sample')
  const file = parsePaastisFile(sample, path.join(ROOT, 'paastis.yml.sample'))
  t.ok(file.rules.length >= 3 && file.apps.length === 2)
  for (const key of RULE_KEYS) t.match(sample, new RegExp(`^\\s+-? ?${key}:`, 'm'), `${key} is shown`)
})

t.test('the Dockerfile: official Node 24 (the current LTS) slim, npm ci, build, prune, non-root, healthcheck, built server', async (t) => {
  const dockerfile = read('Dockerfile')
  const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1])
  t.ok(froms.length >= 2 && froms.every((image) => /^node:24[\w.-]*-slim$/.test(image)), 'multi-stage on node:24 slim')
  t.match(dockerfile, /RUN npm ci/)
  t.match(dockerfile, /npm run build && npm prune --omit=dev/)
  t.match(dockerfile, /^USER node$/m)
  t.match(dockerfile, /^EXPOSE 3000$/m)
  for (const [, sources] of dockerfile.matchAll(/^COPY (?!--from)(?:--chown=\S+ )?(.+) \S+$/gm)) {
    for (const source of sources.split(' ')) {
      if (source.endsWith('*')) continue // optional (paastis.yml*)
      t.ok(existsSync(path.join(ROOT, source)), `COPY ${source} exists`)
    }
  }
  const cmd = /^CMD \["node", "([^"]+)"\]$/m.exec(dockerfile)
  t.equal(cmd?.[1], 'dist/server.js')
  t.ok(existsSync(path.join(ROOT, 'dist/server.js')), 'the CMD runs the built server')
  const health = /^HEALTHCHECK .* CMD \["node", "([^"]+)"\]$/m.exec(dockerfile)
  t.ok(health !== null && existsSync(path.join(ROOT, health[1])), 'the healthcheck script is built')
  const ignored = read('.dockerignore').split('\n')
  for (const entry of ['node_modules', 'dist', '.git', '.env']) t.ok(ignored.includes(entry), `.dockerignore: ${entry}`)
  t.equal(read('Procfile').trim(), 'web: npm start')
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>, bin: Record<string, string>, dependencies: Record<string, string> }
  t.equal(pkg.bin.paastis, 'dist/server.js')
  t.match(pkg.scripts.start, /fastify start -o .*dist\/app\.js$/, 'started by fastify start')
  t.notMatch(pkg.scripts.start, / -a /, 'no address written in: HOST, or -a after --, chooses it')
  t.ok(pkg.dependencies['fastify-cli'], 'fastify-cli is a production dependency (npm start)')
  t.ok(read('server.ts').startsWith('#!/usr/bin/env node'), 'the binary has a shebang')
})

/** `npm start` as a PaaS runs it (Procfile: web: npm start), its output kept. */
function npmStart (t: Test, env: Record<string, string>, args: string[] = []) {
  const child = spawn('npm', ['start', '--silent', ...(args.length > 0 ? ['--', ...args] : [])], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => { resolve(signal === 'SIGTERM' ? 0 : code) }))
  // npm, its shell and the server are one process group: the test ends them all.
  t.teardown(() => { try { process.kill(-(child.pid as number), 'SIGKILL') } catch {} })
  /** Every process of the group (npm, its shell, the server, the apps) has exited. */
  const groupGone = async (): Promise<boolean> => await eventually(() => {
    try { process.kill(-(child.pid as number), 0) } catch { return true }
    return false
  }, 15_000)
  return { child, output: () => output, exit, groupGone }
}

t.test('npm start honours HOST and PORT, proxies to a command app, answers the health path on any Host; the healthcheck passes', async (t) => {
  const [port, appPort] = [await freePort(), await freePort()]
  const dir = t.testdir({ 'paastis.yml': appsYaml([{ name: 'hello', port: appPort }]) })
  const server = npmStart(t, { HOST: '127.0.0.1', PORT: String(port), PAASTIS_CONFIG_FILE: path.join(dir, 'paastis.yml') })
  t.ok(await eventually(() => server.output().includes('Server listening'), 60_000), 'listening on PORT')
  t.match(server.output(), new RegExp(`Server listening at http://127\\.0\\.0\\.1:${port}`), 'on HOST')
  const response = await request(`http://127.0.0.1:${port}/hi`, { headers: { host: 'hello.localhost' } })
  t.equal(response.statusCode, 200)
  t.match(await response.body.json(), { url: '/hi' }, 'the command app answered through Paastis')
  for (const host of ['hello.localhost', 'platform-probe.internal', '10.0.0.7:3000']) {
    const health = await request(`http://127.0.0.1:${port}/.well-known/paastis/health`, { headers: { host } })
    t.equal(health.statusCode, 200, `the health path answers on ${host}`)
    t.same(await health.body.json(), { status: 'ok' })
  }
  const health = spawn(process.execPath, [path.join(ROOT, 'dist/healthcheck.js')], { env: { PORT: String(port) } })
  t.equal(await new Promise((resolve) => health.on('exit', resolve)), 0, 'dist/healthcheck.js exits 0')
  const started = Date.now()
  process.kill(-(server.child.pid as number), 'SIGTERM')
  t.equal(await server.exit, 0, 'npm ends on SIGTERM (it passes the signal on)')
  t.ok(await server.groupGone(), 'the server and the app it spawned end too')
  t.match(server.output(), /Server listening/)
  t.notMatch(server.output(), /"level":(50|60)/, 'no error on the way out')
  t.comment(`closed in ${Date.now() - started} ms`)
})

t.test('npm start -- -a 127.0.0.1 overrides HOST; a configuration error is one line, exit 1', async (t) => {
  const port = await freePort()
  const dir = t.testdir({ 'paastis.yml': 'rules:\n  - pattern: hello\n    app_max_idle_tme: 1m\n', 'ok.yml': '' })
  const flagged = npmStart(t, { HOST: '0.0.0.0', PORT: String(port), PAASTIS_CONFIG_FILE: path.join(dir, 'ok.yml') }, ['-a', '127.0.0.1'])
  t.ok(await eventually(() => flagged.output().includes('Server listening'), 60_000), flagged.output())
  t.match(flagged.output(), new RegExp(`Server listening at http://127\\.0\\.0\\.1:${port}`), 'the -a given after -- wins')
  process.kill(-(flagged.child.pid as number), 'SIGTERM')
  t.equal(await flagged.exit, 0)
  t.ok(await flagged.groupGone())

  const broken = npmStart(t, { PORT: String(await freePort()), PAASTIS_CONFIG_FILE: path.join(dir, 'paastis.yml') })
  t.equal(await broken.exit, 1, 'exit 1')
  const lines = broken.output().trim().split('\n')
  t.equal(lines.length, 1, `one line: ${broken.output()}`)
  t.match(JSON.parse(lines[0]) as object, { level: 60, msg: /paastis\.yml:3: rules\[0\]\.app_max_idle_tme: unknown key: did you mean "app_max_idle_time"\?/ })
})

t.test("the README's error table lists every code of the catalogue, with the status the error handler gives it", async (t) => {
  const readme = read('README.md')
  for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
    const row = readme.split('\n').find((line) => new RegExp(`^\\| \\d{3} \\| [^|]*\`${code}\``).test(line))
    t.ok(row, `${code} has a row`)
    t.equal(row?.slice(2, 5), String(errorBody(code, '').statusCode), `${code}: the status of the README is the handler's`)
  }
})

t.test('npm run demo: the quick start of the README wakes an example app', async (t) => {
  const port = await freePort()
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/examples/demo.js')], {
    cwd: ROOT, env: { PATH: process.env.PATH, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  t.teardown(() => { child.kill('SIGKILL') })
  t.ok(await eventually(() => output.includes('Server listening'), 60_000), 'started')
  t.match(output, new RegExp(`curl http://hello\\.localhost:${port}/`), 'it prints the curl lines to try')
  const printed = new RegExp(`The dashboard: http://localhost:${port}/ {2}\\(admin token: ([A-Za-z0-9_-]{16})\\)`).exec(output)
  t.ok(printed, 'and the dashboard, with a token made for this run')
  const apps = await request(`http://127.0.0.1:${port}/apps`, { headers: { host: 'localhost', authorization: `Bearer ${printed?.[1] ?? ''}` } })
  t.equal(apps.statusCode, 200, 'the token printed opens the admin API')
  await apps.body.dump()
  const response = await request(`http://127.0.0.1:${port}/`, { headers: { host: 'hello.localhost' } })
  t.equal(response.statusCode, 200)
  t.match(await response.body.text(), /^Hi from hello!/)
  t.ok(await eventually(() => output.includes('app woke up')), 'the log shows the wake')
  child.kill('SIGTERM')
  t.equal(await new Promise((resolve) => child.on('exit', resolve)), 0)
})

t.test("the test command's preflight: when a package is missing and cannot be installed, it stops at once with the command", async (t) => {
  const started = Date.now()
  const child = spawn('/bin/bash', [path.join(ROOT, 'test', 'preflight.sh')], { env: { PATH: '/nonexistent' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const [code] = await once(child, 'exit') as [number]
  t.equal(code, 1)
  t.match(output, /the tests need redis-server[^;]*; install them first:\n {2}sudo apt-get update && sudo apt-get install -y redis-server/)
  t.ok(Date.now() - started < 10_000, 'within 10 s')
})
