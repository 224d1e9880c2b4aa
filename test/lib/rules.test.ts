import t from 'tap'
import { parsePaastisFile } from '../../lib/paastis-file'
import { interpolate, Rules } from '../../lib/rules'
import { SEED_RULES } from '../helper'


t.test("the seed's sample loads and resolves as the seed documents", async (t) => {
  const rules = new Rules(parsePaastisFile(SEED_RULES, 'paastis.yml').rules)
  t.same(rules.resolve('app-review-pr123-back'), {
    name: 'renamed-app-pr123-back',
    maxIdleTimeMs: 30 * 60_000,
    linkedApps: ['app-review-pr123-front'],
    ignore: false,
    rules: ['app-review-pr(\\d+)-(back|front)'],
    wake: {}
  })
  t.same(rules.resolve('other-app'), { name: 'other-app', linkedApps: [], ignore: false, rules: [], wake: {} }, 'no rule, no change')
})

t.test('every matching rule applies in order; later ones override', async (t) => {
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
  const resolved = rules.resolve('hello-fastify-2')
  t.equal(resolved.name, 'hellofastifydeux')
  t.equal(resolved.maxIdleTimeMs, 0, 'the last matching rule wins')
  t.same(resolved.linkedApps, ['hellofastifydeux'], 'unanchored: hello-fastify matches hello-fastify-2')
  t.same(resolved.rules, ['hello-fastify', 'hello-fastify-2', '.*fastify.*'])
})

t.test('$1 does not eat $10', async (t) => {
  const match = /(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)/.exec('abcdefghijk') as RegExpExecArray
  t.equal(interpolate('$1-$10-$11-$2', match), 'a-j-k-b')
  t.equal(interpolate('$1$1', match), 'aa')
  const few = /(x)/.exec('x') as RegExpExecArray
  t.equal(interpolate('$1-$12', few), 'x-$12', 'a group that does not exist stays literal')
})
