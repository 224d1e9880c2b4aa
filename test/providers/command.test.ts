import { writeFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import type { AppRecord } from '../../lib/core/app-record'
import type { Logger } from '../../lib/common/logger'
import { parsePaastisFile } from '../../lib/config/paastis-file'
import { killGroup } from '../../lib/processes/shell'
import { CommandProvider } from '../../providers/command'
import { appsYaml, eventually, FIXTURE_APP, freePort } from '../helper'
import { appRecord } from '../records'

interface Line { fields: Record<string, unknown>, msg: string }

function recordingLogger (): Logger & { lines: Line[] } {
  const lines: Line[] = []
  const log = (fields: unknown, msg?: string): void => {
    if (typeof fields === 'string') lines.push({ fields: {}, msg: fields })
    else lines.push({ fields: fields as Record<string, unknown>, msg: msg ?? '' })
  }
  return { lines, info: log, warn: log, error: log, debug: log } as unknown as Logger & { lines: Line[] }
}

const record = (name: string): AppRecord => appRecord(name, { provider: 'command', lastActivityAt: 0, maxIdleTimeMs: 0 })

function provider (yaml: string, log = recordingLogger(), stopGraceMs = 5000): CommandProvider {
  return new CommandProvider(parsePaastisFile(yaml, path.join(__dirname, 'paastis.yml')).apps, { log, stopGraceMs, commandTimeoutMs: 5000 })
}

t.test('run: spawned with PORT, output logged under the app name, stopped with SIGTERM', async (t) => {
  const port = await freePort()
  const log = recordingLogger()
  const commands = provider(appsYaml([{ name: 'hello', port, env: { APP_LABEL: 'labelled' } }]), log)
  t.teardown(() => commands.close())
  t.same(await commands.list(), [{ name: 'hello', state: 'stopped', upstream: `http://127.0.0.1:${port}` }])
  await commands.start(record('hello'))
  t.ok(await eventually(() => log.lines.some((l) => l.msg === `listening on ${port}` && l.fields.app === 'hello' && l.fields.stream === 'stdout')),
    "the app's output is logged with its name")
  t.equal((await commands.list())[0].state, 'running')
  const answer = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.json()) as { app: string }
  t.equal(answer.app, 'labelled', 'env from paastis.yml reaches the app')
  await commands.start(record('hello'))
  t.equal(log.lines.filter((l) => l.msg === 'app process spawned').length, 1, 'starting a running app spawns nothing')
  await commands.stop(record('hello'))
  t.equal((await commands.list())[0].state, 'stopped')
  await t.rejects(fetch(`http://127.0.0.1:${port}/`), 'nothing answers any more')
})

t.test('a process that ignores SIGTERM is killed after the grace period, with its children', async (t) => {
  const log = recordingLogger()
  const dir = t.testdir({ 'stubborn.sh': "trap '' TERM\nsleep 30 &\nwait\n" })
  const commands = provider(`apps:\n  - name: stubborn\n    run: sh ${path.join(dir, 'stubborn.sh')}\n    port: 9\n`, log, 300)
  await commands.start(record('stubborn'))
  await new Promise((resolve) => setTimeout(resolve, 200))
  const started = Date.now()
  await commands.stop(record('stubborn'))
  t.ok(Date.now() - started >= 250, 'waited for the grace period')
  t.ok(log.lines.some((l) => l.msg === 'app did not stop in time: killed'), 'said so')
  t.equal((await commands.list())[0].state, 'stopped')
})

t.test('start/stop/status commands get the app name in the environment, never in the command', async (t) => {
  const dir = t.testdir({})
  const marker = path.join(dir, 'running')
  const log = path.join(dir, 'names')
  const commands = provider(`apps:
  - name: svc
    start: echo "$PAASTIS_APP_NAME" >> ${log} && touch ${marker}
    stop: rm ${marker}
    status: test -e ${marker}
    upstream: http://127.0.0.1:9
`)
  t.equal((await commands.list())[0].state, 'stopped')
  await commands.start(record('svc'))
  t.equal((await commands.list())[0].state, 'running')
  await commands.stop(record('svc'))
  t.equal((await commands.list())[0].state, 'stopped')
  const { readFileSync } = await import('node:fs')
  t.equal(readFileSync(log, 'utf8'), 'svc\n')
  writeFileSync(marker, '')
  await commands.stop(record('svc'))
  await t.rejects(commands.stop(record('svc')), { message: 'command stop svc: the stop command exited with 1' }, 'a failing command is an error naming provider, operation and app')
  await t.rejects(commands.start(record('ghost')), { message: /command start ghost: no such app/ })
})

t.test('close() stops every process Paastis spawned', async (t) => {
  const [a, b] = [await freePort(), await freePort()]
  const commands = provider(appsYaml([{ name: 'one', port: a }, { name: 'two', port: b }]))
  await commands.start(record('one'))
  await commands.start(record('two'))
  t.same((await commands.list()).map((app) => app.state), ['running', 'running'])
  await commands.close()
  t.same((await commands.list()).map((app) => app.state), ['stopped', 'stopped'])
  t.notOk(killGroup(undefined, 0))
})

t.test('a command that cannot run is reported as a failure', async (t) => {
  const commands = provider('apps:\n  - name: nope\n    run: /nonexistent/binary\n    port: 9\n')
  await commands.start(record('nope'))
  t.ok(await eventually(() => /exited with code 127/.test(commands.failure(record('nope')) ?? '')), 'exit 127 is the failure')
  t.equal(commands.failure(record('unknown-app')), undefined)
})

t.test('a start asked while a stop waits for the rest of the process group starts after it, and is tracked', async (t) => {
  const port = await freePort()
  // The app exits on SIGTERM at once; a process it left in its group ignores SIGTERM and lives
  // until the test releases it, so the stop waits for the group with the app already gone.
  const dir = t.testdir({})
  const release = path.join(dir, 'release')
  writeFileSync(path.join(dir, 'lingering.sh'), `(trap '' TERM; while [ ! -e ${JSON.stringify(release)} ]; do sleep 0.05; done) &\nexec node ${JSON.stringify(FIXTURE_APP)}\n`)
  const commands = provider(`apps:\n  - name: lingering\n    run: sh ${path.join(dir, 'lingering.sh')}\n    port: ${port}\n`, recordingLogger(), 60_000)
  t.teardown(() => commands.close())
  await commands.start(record('lingering'))
  t.ok(await eventually(async () => (await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined))?.ok === true), 'the app answers')
  const stopping = commands.stop(record('lingering'))
  t.ok(await eventually(async () => (await commands.list())[0].state === 'stopped'), 'the app exited; its group lingers')
  const starting = commands.start(record('lingering'))
  writeFileSync(release, '')
  await stopping
  await starting
  t.equal((await commands.list())[0].state, 'running', 'the second process is the one tracked')
  t.ok(await eventually(async () => (await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined))?.ok === true), 'and it answers')
  await commands.close()
  await t.rejects(fetch(`http://127.0.0.1:${port}/`), 'close() stopped it: nothing outlives Paastis')
})
