import t from 'tap'
import { build } from '../helper'

t.test('a bad environment value stops start-up with a message naming the variable', async (t) => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'eighty' }, /PORT must be integer/],
    [{ PORT: '70000' }, /PORT must be <= 65535/],
    [{ REGISTRY_TYPE: 'postgres' }, /REGISTRY_TYPE must be one of: in-memory, redis/],
    [{ START_AND_STOP_MAX_IDLE_TIME: 'soon' }, /START_AND_STOP_MAX_IDLE_TIME must be a duration: minutes \(15\), or 30s, 15m, 2h, 1d, 0 or never/],
    [{ PROVIDER_NAME: 'aws' }, /PROVIDER_NAME must be one of: command, scalingo, clever-cloud, heroku/],
    [{ WAKE_STRATEGY: 'wait' }, /WAKE_STRATEGY must be one of: hold, page/],
    [{ LOG_LEVEL: 'verbose' }, /LOG_LEVEL must be one of: fatal, error, warn, info, debug, trace, silent/],
    [{ TRUST_PROXY: '10.0.0.0/99' }, /TRUST_PROXY: .*expected true, false, a hop count, or addresses and CIDRs/],
    [{ ADMIN_ALLOW: 'not-an-address' }, /ADMIN_ALLOW: .*expected addresses and CIDRs/],
    [{ ROUTING_SYSTEM_API_ENABLED: 'perhaps' }, /ROUTING_SYSTEM_API_ENABLED must be boolean/],
    [{ START_AND_STOP_CHECKING_INTERVAL_CRON: 'every minute' }, /START_AND_STOP_CHECKING_INTERVAL_CRON: "every minute" is not a cron expression/],
    [{ WAKE_TIMEOUT: 'never' }, /WAKE_TIMEOUT: "never" is not allowed here/],
    [{ PAASTIS_CONFIG_FILE: '/nonexistent/paastis.yml' }, /\/nonexistent\/paastis\.yml: cannot be read/],
    [{ COST_CURRENCY: 'euro' }, /^invalid configuration: COST_CURRENCY must be a three-letter ISO 4217 currency code, as EUR or USD$/],
    [{ COST_CURRENCY: 'XYZ' }, /^COST_CURRENCY: XYZ is not an ISO 4217 currency code \(EUR, USD, GBP, CHF…\)$/]
  ]
  for (const [env, message] of cases) {
    await t.rejects(build(t, { env }), { message }, JSON.stringify(env))
  }
})

t.test('a command app whose cwd does not exist is refused at load, not at its first wake', async (t) => {
  await t.rejects(build(t, { yaml: 'apps:\n  - name: lost\n    run: node server.js\n    port: 4000\n    cwd: /nonexistent/folder\n' }),
    { message: /paastis\.yml: apps\[0\]\.cwd: \/nonexistent\/folder is not a folder \(app lost\)/ })
})

t.test('a broken paastis.yml stops start-up with file, line and reason', async (t) => {
  await t.rejects(build(t, { yaml: "rules:\n  - pattern: '(unclosed'\n" }), { message: /paastis\.yml:2: rules\[0\]\.pattern: invalid regular expression/ })
})

t.test('0 is a valid number and defaults apply', async (t) => {
  const server = await build(t, { env: { START_AND_STOP_MAX_IDLE_TIME: '0', PORT: '0' } })
  t.equal(server.settings.policy.defaultMaxIdleTimeMs, 0, 'an idle time of 0 is not replaced by the default')
  t.equal(server.config.PORT, 0)
  const defaults = await build(t)
  t.equal(defaults.settings.policy.defaultMaxIdleTimeMs, 15 * 60_000, 'the seed default: 15 minutes')
  t.equal(defaults.config.ADMIN_HOST, 'localhost')
  t.equal(defaults.settings.wakeTimeoutMs, 120_000)
})

t.test('a provider without its token is refused clearly', async (t) => {
  await t.rejects(build(t, { env: { PROVIDER_NAME: 'heroku' } }), { message: /PROVIDER_HEROKU_API_TOKEN is required with PROVIDER_NAME=heroku/ })
})
