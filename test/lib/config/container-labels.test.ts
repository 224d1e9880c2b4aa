// A container's labels: where it is, and its own rule, checked by the file's rule schema.
import t from 'tap'
import { asAppKey, readContainerLabels, refusalRule } from '../../../lib/config/container-labels'

t.test('placement labels and rule keys', async (t) => {
  const read = readContainerLabels({
    'paastis.enable': 'true',
    'paastis.port': '3000',
    'paastis.group': 'shop',
    'paastis.network': 'apps',
    'paastis.max_idle_time': '30m',
    'paastis.cost_per_hour': '0.25',
    'paastis.prewarm': 'true',
    'paastis.keep_awake': 'Mon-Fri 08:00-19:00',
    'paastis.timezone': 'Europe/Paris',
    'paastis.linked_apps': 'api, worker',
    'paastis.ping.path': '/health',
    'paastis.strategy': 'page',
    'com.docker.compose.service': 'web'
  }, 'shop')
  t.equal(read.error, undefined)
  t.same([read.port, read.group, read.network, read.name], [3000, 'shop', 'apps', undefined])
  const rule = read.rule
  t.equal(rule?.maxIdleTimeMs, 30 * 60_000, 'max_idle_time is app_max_idle_time')
  t.equal(rule?.costPerHour, 0.25, 'a number')
  t.equal(rule?.prewarm, true, 'a flag')
  t.same(rule?.linkedApps, ['api', 'worker'], 'a comma-separated list')
  t.same(rule?.keepAwake, ['Mon-Fri 08:00-19:00'])
  t.equal(rule?.wake.ping?.path, '/health', 'dotted keys are a mapping')
  t.equal(rule?.wake.strategy, 'page')
  t.match(rule?.pattern, /^labels: cost_per_hour=0.25, keep_awake=Mon-Fri 08:00-19:00, linked_apps=api, worker, max_idle_time=30m, ping.path=\/health/, 'what shaped the app, for operators')
})

t.test('no rule key, no rule', async (t) => {
  t.same(readContainerLabels({ 'paastis.enable': 'true', 'paastis.port': '80' }, 'web'), { port: 80 })
})

t.test('a bad label is an error that names it and the fix', async (t) => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ 'paastis.max_idel_time': '30m' }, /^label paastis.max_idel_time: unknown key: did you mean "paastis.max_idle_time"\?/],
    [{ 'paastis.port': 'http' }, /^label paastis.port: "http" must be the port the container listens on \(1-65535\)/],
    [{ 'paastis.port': '70000' }, /1-65535/],
    [{ 'paastis.name': 'My App' }, /^label paastis.name: "My App" must be lowercase letters, digits and dashes/],
    [{ 'paastis.max_idle_time': 'soon' }, /^label paastis.app_max_idle_time: must be minutes \(15\) or a duration/],
    [{ 'paastis.prewarm': 'yes' }, /^label paastis.prewarm: must be true or false/],
    [{ 'paastis.cost_per_hour': '-1' }, /^label paastis.cost_per_hour: must be/],
    [{ 'paastis.app_name': 'other' }, /^label paastis.app_name: routes Hosts across apps, so it belongs in paastis.yml/],
    [{ 'paastis.hosts': 'a.example.com' }, /belongs in paastis.yml/],
    [{ 'paastis.keep_awake': 'someday' }, /^label paastis.keep_awake/],
    [{ 'paastis.ignore_user_agents': '(?=x)' }, /lookarounds and backreferences are not RE2 syntax/]
  ]
  for (const [labels, error] of cases) {
    const read = readContainerLabels(labels, 'web')
    t.match(read.error, error, JSON.stringify(labels))
    t.equal(read.rule, undefined)
  }
})

t.test('an app key from any name', async (t) => {
  t.equal(asAppKey('My_App.v2'), 'my-app-v2')
  t.equal(asAppKey('--web--'), 'web')
  t.equal(asAppKey('x'.repeat(80)).length, 63)
})

t.test('an app left alone says why', async (t) => {
  const rule = refusalRule('no port')
  t.equal(rule.ignore, true)
  t.equal(rule.pattern, 'not managed: no port')
})
