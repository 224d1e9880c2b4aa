// What Paastis runs (apps, hooks) gets an allow-listed environment, never a secret of Paastis; and
// however Paastis exits — two SIGTERMs in a row included — what it spawned does not outlive it.
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { eventually, FIXTURE_APP, freePort, startsIn } from '../helper'
import { runPaastis } from './paastis-process'

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

// eslint-disable-next-line no-template-curly-in-string -- a `${VAR}` reference of paastis.yml, literally
t.test('apps and hooks get the allow-list, their own env and CHILD_ENV: no token of Paastis, no ${VAR} of providers:', async (t) => {
  const dir = t.testdir({})
  const [port, appPort] = [await freePort(), await freePort()]
  const appEnv = path.join(dir, 'app.env')
  const hookEnv = path.join(dir, 'hook.env')
  writeFileSync(path.join(dir, 'paastis.yml'), `providers:
  - name: local
    type: command
  - name: team-a
    type: scalingo
    api_token: \${TEAM_A_TOKEN}
    auth_url: http://127.0.0.1:9
apps:
  - name: envy
    run: env > ${JSON.stringify(appEnv)}; exec node ${JSON.stringify(FIXTURE_APP)}
    port: ${appPort}
    env: { OWN_SETTING: mine }
`)
  const run = runPaastis([], {
    HOST: '127.0.0.1',
    PORT: String(port),
    PAASTIS_CONFIG_FILE: path.join(dir, 'paastis.yml'),
    PAASTIS_STATE_DIR: path.join(dir, 'state'),
    TEAM_A_TOKEN: 'tk-us-team-a-secret',
    ROUTING_SYSTEM_API_TOKEN: 'admin-secret',
    DATABASE_URL: 'postgres://u:db-secret@127.0.0.1:9/x',
    PLATFORM_INJECTED: 'whatever-a-paas-sets',
    SHARED_SETTING: 'passed',
    CHILD_ENV: 'SHARED_SETTING',
    HOME: dir,
    LANG: 'C.UTF-8',
    HOOKS_BEFORE_START: `env > ${JSON.stringify(hookEnv)}`,
    EVENTS_STORE_TYPE: 'memory'
  })
  t.teardown(() => { run.child.kill('SIGKILL') })
  t.ok(await eventually(() => run.output().includes('Server listening'), 60_000), run.output())
  const response = await request(`http://127.0.0.1:${port}/`, { headers: { host: 'envy.localhost' } })
  t.equal(response.statusCode, 200)
  await response.body.dump()
  for (const [who, file] of [['the app', appEnv], ['the hook', hookEnv]]) {
    const env = readFileSync(file, 'utf8')
    for (const secret of ['tk-us-team-a-secret', 'admin-secret', 'db-secret', 'TEAM_A_TOKEN', 'ROUTING_SYSTEM_API_TOKEN', 'PLATFORM_INJECTED']) {
      t.notMatch(env, secret, `${who} never gets ${secret}`)
    }
    t.match(env, /^PATH=/m, `${who} gets PATH`)
    t.match(env, /^LANG=C\.UTF-8$/m, `${who} gets the locale`)
    t.match(env, /^SHARED_SETTING=passed$/m, `${who} gets what CHILD_ENV names`)
    t.match(env, /^PAASTIS_APP_NAME=envy$/m)
  }
  t.match(readFileSync(appEnv, 'utf8'), /^OWN_SETTING=mine$/m, 'the app gets its own env:')
  t.match(readFileSync(hookEnv, 'utf8'), /^PAASTIS_HOOK=before-start$/m)
  run.child.kill('SIGTERM')
  t.equal(await run.exit, 0)
})

t.test('CHILD_ENV naming a secret of Paastis stops the start with the reason', async (t) => {
  // eslint-disable-next-line no-template-curly-in-string -- a `${VAR}` reference of paastis.yml, literally
  const dir = t.testdir({ 'paastis.yml': 'providers:\n  - name: team-a\n    type: scalingo\n    api_token: ${TEAM_A_TOKEN}\n' })
  const run = runPaastis([], { PORT: String(await freePort()), PAASTIS_CONFIG_FILE: path.join(dir, 'paastis.yml'), TEAM_A_TOKEN: 'x', CHILD_ENV: 'TEAM_A_TOKEN,HOME' })
  t.equal(await run.exit, 1)
  t.match(run.output(), /CHILD_ENV: TEAM_A_TOKEN is a secret of Paastis: no app or hook ever gets it/)
  t.notMatch(run.output(), /"x"/)
})

t.test('two SIGTERMs in a row: Paastis exits at once, and the app it spawned does not outlive it', async (t) => {
  const dir = t.testdir({})
  const [port, appPort] = [await freePort(), await freePort()]
  const starts = path.join(dir, 'starts')
  writeFileSync(path.join(dir, 'paastis.yml'), `apps:
  - name: orphan
    run: node ${JSON.stringify(FIXTURE_APP)}
    port: ${appPort}
    env: { START_LOG: ${JSON.stringify(starts)} }
`)
  const run = runPaastis([], {
    HOST: '127.0.0.1',
    PORT: String(port),
    PAASTIS_CONFIG_FILE: path.join(dir, 'paastis.yml'),
    PAASTIS_STATE_DIR: path.join(dir, 'state'),
    SHUTDOWN_GRACE_PERIOD: '1m'
  })
  t.teardown(() => { run.child.kill('SIGKILL') })
  t.ok(await eventually(() => run.output().includes('Server listening'), 60_000))
  // A request that stays open keeps the first SIGTERM's drain going.
  const hanging = request(`http://127.0.0.1:${port}/hang`, { headers: { host: 'orphan.localhost' } }).catch(() => undefined)
  t.ok(await eventually(() => startsIn(starts) === 1, 10_000), 'the app runs')
  const pid = Number(readFileSync(starts, 'utf8').trim())
  t.ok(alive(pid))
  run.child.kill('SIGTERM')
  t.ok(await eventually(() => run.output().includes('shutting down'), 10_000), 'the first SIGTERM starts the drain')
  run.child.kill('SIGTERM')
  t.equal(await run.exit, 1, 'the second one exits at once (1: the drain was cut short)')
  t.ok(await eventually(() => !alive(pid), 10_000), 'the app it spawned is gone too')
  await hanging
})
