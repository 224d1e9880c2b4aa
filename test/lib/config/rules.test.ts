import t from 'tap'
import { parsePaastisFile } from '../../../lib/config/paastis-file'
import { interpolate, Rules } from '../../../lib/config/rules'
import { RENAMING_AND_IGNORE_RULES, SEED_RULES } from '../../helper'

t.test("the seed's sample: a Host key routes to the renamed app, whose policy comes from its own name", async (t) => {
  const rules = new Rules(parsePaastisFile(SEED_RULES, 'paastis.yml').rules)
  t.equal(rules.nameFor('app-review-pr123-back'), 'renamed-app-pr123-back')
  t.same(rules.policyFor('renamed-app-pr123-back'), {
    name: 'renamed-app-pr123-back',
    maxIdleTimeMs: 30 * 60_000,
    linkedApps: ['app-review-pr123-front'],
    ignore: false,
    rules: ['app-review-pr(\\d+)-(back|front)'],
    wake: {}
  }, 'the renaming rule applies to the app it names, with the groups its name gives')
  t.equal(rules.nameFor('other-app'), 'other-app')
  t.same(rules.policyFor('other-app'), { name: 'other-app', linkedApps: [], ignore: false, rules: [], wake: {} }, 'no rule, no change')
})

t.test('a Host can never change an app policy: the same whatever key reached it', async (t) => {
  const rules = new Rules(parsePaastisFile(RENAMING_AND_IGNORE_RULES, 'paastis.yml').rules)
  // The README's example: an unanchored pattern also matches a stranger's longer key.
  t.equal(rules.nameFor('internal-app-review-pr1-back'), 'renamed-app-pr1-back', 'the key still routes')
  const policy = rules.policyFor('renamed-app-pr1-back')
  t.equal(policy.ignore, false, 'the ignore rule matched the key, not the app: it does not apply')
  t.same(policy.linkedApps, [])
  t.equal(policy.maxIdleTimeMs, 30 * 60_000)
  t.equal(rules.policyFor('renamed-app-pr1-back'), policy, 'computed once')
})

t.test('every rule that applies to an app name applies in order; later ones override', async (t) => {
  const rules = new Rules(parsePaastisFile(`
rules:
  - pattern: 'hello-fastify'
    linked_apps: ['hellofastifydeux']
    app_max_idle_time: 5
  - pattern: 'hello-fastify-2'
    app_name: 'hellofastifydeux'
  - pattern: '.*fastify.*'
    app_max_idle_time: 0
`, 'paastis.yml').rules)
  t.equal(rules.nameFor('hello-fastify-2'), 'hellofastifydeux', 'the last app_name of the rules matching the key')
  const renamed = rules.policyFor('hellofastifydeux')
  t.equal(renamed.maxIdleTimeMs, 0, 'the last rule that applies wins')
  t.same(renamed.rules, ['hello-fastify-2', '.*fastify.*'], 'the renaming rule and the pattern matching the name')
  const own = rules.policyFor('hello-fastify-2')
  t.same(own.linkedApps, ['hellofastifydeux'], 'unanchored: hello-fastify matches hello-fastify-2')
  t.same(own.rules, ['hello-fastify', '.*fastify.*'])
})

t.test('$1 does not eat $10', async (t) => {
  const match = /(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)/.exec('abcdefghijk') as RegExpExecArray
  t.equal(interpolate('$1-$10-$11-$2', match), 'a-j-k-b')
  t.equal(interpolate('$1$1', match), 'aa')
  const few = /(x)/.exec('x') as RegExpExecArray
  t.equal(interpolate('$1-$12', few), 'x-$12', 'a group that does not exist stays literal')
})

t.test("an app's own rule (a container's labels) comes after the file's: its keys win, the others stay", async (t) => {
  const rules = new Rules(parsePaastisFile(`rules:
  - pattern: '^box'
    app_max_idle_time: 15m
    cost_per_hour: 0.1
`, 'paastis.yml').rules)
  t.equal(rules.policyFor('box').maxIdleTimeMs, 15 * 60_000)
  t.equal(rules.declare('box', { pattern: 'labels: max_idle_time=2h', regex: /^$/, maxIdleTimeMs: 2 * 3600_000, wake: {} }), true)
  const policy = rules.policyFor('box')
  t.equal(policy.maxIdleTimeMs, 2 * 3600_000, 'the label wins over the file')
  t.equal(policy.costPerHour, 0.1, 'what the labels do not set comes from the file')
  t.same(policy.rules, ['^box', 'labels: max_idle_time=2h'], 'both shaped it, in order')
  t.equal(rules.declare('box', { pattern: 'labels: max_idle_time=2h', regex: /^$/, maxIdleTimeMs: 2 * 3600_000, wake: {} }), false, 'the same labels change nothing')
  rules.replace(parsePaastisFile('', 'paastis.yml').rules)
  t.equal(rules.policyFor('box').maxIdleTimeMs, 2 * 3600_000, 'a reloaded file keeps what the apps declare')
  t.equal(rules.declare('box', undefined), true)
  t.equal(rules.policyFor('box').maxIdleTimeMs, undefined, 'gone with the app')
})
