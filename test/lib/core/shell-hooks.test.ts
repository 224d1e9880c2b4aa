import { readFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import type { AppRecord } from '../../../lib/core/app-record'
import { EventLog } from '../../../lib/core/events'
import { ShellHooks } from '../../../lib/core/shell-hooks'
import { appRecord } from '../../records'

const silent = { info () {}, warn () {}, error () {}, debug () {} }

const record = (name: string): AppRecord => appRecord(name, { provider: 'command', region: 'local', upstream: 'http://127.0.0.1:1', state: 'running', lastActivityAt: 0, maxIdleTimeMs: 0 })

t.test('hooks get the app in the environment; a hostile name is never executed', async (t) => {
  const dir = t.testdir({})
  const out = path.join(dir, 'out')
  const hooks = new ShellHooks({ 'after-stop': `printf '%s|%s|%s|%s|%s' "$PAASTIS_HOOK" "$PAASTIS_APP_NAME" "$PAASTIS_APP_PROVIDER" "$PAASTIS_APP_REGION" "$PAASTIS_APP_UPSTREAM" > ${out}` },
    { timeoutMs: 5000, log: silent, events: new EventLog() })
  const hostile = `x"; touch ${path.join(dir, 'pwned')}; echo "`
  t.equal(await hooks.run('after-stop', record(hostile)), true)
  t.equal(readFileSync(out, 'utf8'), `after-stop|${hostile}|command|local|http://127.0.0.1:1`)
  t.throws(() => readFileSync(path.join(dir, 'pwned')), 'the name was not run as shell')
  t.equal(await hooks.run('before-start', record('a')), true, 'no hook configured is a success')
})

t.test('a failing or hanging hook is reported, recorded and bounded', async (t) => {
  const events = new EventLog()
  const hooks = new ShellHooks({ 'before-stop': 'exit 3', 'after-start': 'sleep 10' }, { timeoutMs: 200, log: silent, events })
  t.equal(await hooks.run('before-stop', record('a')), false)
  const started = Date.now()
  t.equal(await hooks.run('after-start', record('a')), false)
  t.ok(Date.now() - started < 5000, 'the timeout ended it')
  t.match(events.list(), [
    { app: 'a', type: 'hook_failed', cause: 'after-start', message: 'timed out after 200 ms' },
    { app: 'a', type: 'hook_failed', cause: 'before-stop', message: 'exited with 3' }
  ])
})
