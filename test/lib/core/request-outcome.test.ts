// What a proxied request gets, as a table: the preHandler only translates these outcomes.
import t from 'tap'
import type { AppRecord } from '../../../lib/core/app-record'
import { failureOutcome, requestOutcome, type RequestFacts } from '../../../lib/core/request-outcome'
import type { WakeOptions } from '../../../lib/config/rules'

const facts = (app: Partial<AppRecord>, more: Partial<RequestFacts> = {}): RequestFacts => ({
  app: { name: 'shop', state: 'stopped', ignored: false, ...app } as AppRecord,
  wake: {},
  defaultStrategy: 'hold',
  defaultPageAfterMs: 2000,
  navigation: false,
  passive: false,
  waking: false,
  repeatable: false,
  ...more
})

t.test('the request outcome, case by case', async (t) => {
  const cases: Array<[string, RequestFacts, ReturnType<typeof requestOutcome>]> = [
    ['a running app: proxied now', facts({ state: 'running' }), { kind: 'proxy' }],
    ['a running ignored app: proxied (Paastis only never starts it)', facts({ state: 'running', ignored: true }), { kind: 'proxy' }],
    ['a running app, a passive request: proxied', facts({ state: 'running' }, { passive: true }), { kind: 'proxy' }],
    ['a stopped app: held while it wakes', facts({}), { kind: 'wake' }],
    ['a failed app: a request tries again', facts({ state: 'failed' }), { kind: 'wake' }],
    ['a starting app: held', facts({ state: 'starting' }), { kind: 'wake' }],
    ['an ignored app asleep: refused', facts({ ignored: true }), { kind: 'refuse', reason: 'ignored' }],
    ['an ignored app starting elsewhere: waited for', facts({ ignored: true }, { waking: true }), { kind: 'wake' }],
    ['a passive request to a sleeping app: refused, it does not wake it', facts({}, { passive: true }), { kind: 'refuse', reason: 'asleep' }],
    ['page strategy, a navigation: the page after WAITING_PAGE_AFTER', facts({}, { defaultStrategy: 'page', navigation: true }), { kind: 'wake', pageAfterMs: 2000 }],
    ['page strategy, an API call: held, never a page', facts({}, { defaultStrategy: 'page' }), { kind: 'wake' }],
    ["the rule's strategy and page_after win", facts({}, { wake: { strategy: 'page', pageAfterMs: 500 }, navigation: true }), { kind: 'wake', pageAfterMs: 500 }],
    ["the rule's hold wins over WAKE_STRATEGY=page", facts({}, { wake: { strategy: 'hold' }, defaultStrategy: 'page', navigation: true }), { kind: 'wake' }],
    ['a GET without a body: held, and offered as the probe', facts({}, { repeatable: true }), { kind: 'wake', probe: true }],
    ['a navigation: offered as the probe until its page is due', facts({}, { repeatable: true, defaultStrategy: 'page', navigation: true }), { kind: 'wake', pageAfterMs: 2000, probe: true }],
    ["a rule's own ping: its probe, never the request", facts({}, { repeatable: true, wake: { ping: { method: 'GET', path: '/health' } } }), { kind: 'wake' }],
    ['waiting for linked apps: never answered before they are', facts({}, { repeatable: true, wake: { waitForLinked: true } }), { kind: 'wake' }],
    ['a running app: proxied, no probe', facts({ state: 'running' }, { repeatable: true }), { kind: 'proxy' }]
  ]
  for (const [name, given, expected] of cases) t.same(requestOutcome(given), expected, name)
})

t.test('after a failed wake: the error, the fallback for browsers, or the fallback proxied when the rule says so', async (t) => {
  const fallback: WakeOptions = { fallback: 'https://status.example.com' }
  const proxied: WakeOptions = { fallback: 'https://backup.example.com', fallbackProxy: true }
  const cases: Array<[string, ReturnType<typeof failureOutcome>, ReturnType<typeof failureOutcome>]> = [
    ['no fallback: the error', failureOutcome('WAKE_FAILED', {}, true), { kind: 'error' }],
    ['a browser: redirected', failureOutcome('WAKE_FAILED', fallback, true), { kind: 'redirect', location: 'https://status.example.com' }],
    ['a timeout, a browser: redirected', failureOutcome('WAKE_TIMEOUT', fallback, true), { kind: 'redirect', location: 'https://status.example.com' }],
    ['in backoff, a browser: redirected', failureOutcome('WAKE_BACKOFF', fallback, true), { kind: 'redirect', location: 'https://status.example.com' }],
    ['an API client without fallback_proxy: the error', failureOutcome('WAKE_FAILED', fallback, false), { kind: 'error' }],
    ['an API client with fallback_proxy: proxied there', failureOutcome('WAKE_FAILED', proxied, false), { kind: 'proxy', upstream: 'https://backup.example.com' }],
    ['another error (too many waiters): never the fallback', failureOutcome('TOO_MANY_WAITERS', proxied, true), { kind: 'error' }],
    ['not an error of the catalogue: never the fallback', failureOutcome(undefined, proxied, true), { kind: 'error' }]
  ]
  for (const [name, found, expected] of cases) t.same(found, expected, name)
})
