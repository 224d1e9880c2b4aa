// The reconciler on the domain alone (no Fastify): a provider of a few in-memory apps, a clock the
// test moves. Discovery, forgetting, a suspect listing, the idle sweep and a failing listing.
import t from 'tap'
import { OPT_OUT } from '../../lib/app-policy'
import type { Formation } from '../../lib/app-record'
import { EventLog } from '../../lib/events'
import { Lifecycle } from '../../lib/lifecycle'
import type { Provider, ProviderApp } from '../../lib/provider'
import { Reconciler } from '../../lib/reconciler'
import { Registry } from '../../lib/registry'
import { Rules } from '../../lib/rules'
import { ShellHooks } from '../../lib/shell-hooks'
import { MemoryStore } from '../../lib/store'

const silent = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} }

/** A provider whose account is a list the test edits; stops are recorded. */
class Account implements Provider {
  readonly name = 'account'
  apps: ProviderApp[] = []
  listingError: Error | undefined
  readonly stopped: string[] = []
  async list (): Promise<ProviderApp[]> {
    if (this.listingError !== undefined) throw this.listingError
    return this.apps.map((app) => ({ ...app }))
  }

  async start (): Promise<void> {}
  async stop (app: { name: string }): Promise<Formation | undefined> {
    this.stopped.push(app.name)
    const listed = this.apps.find((candidate) => candidate.name === app.name)
    if (listed !== undefined) listed.state = 'stopped'
    return { web: 1 }
  }

  async close (): Promise<void> {}
}

function setup () {
  let now = 1_000_000
  const clock = { now: () => now }
  const registry = new Registry(new MemoryStore())
  const provider = new Account()
  const events = new EventLog(100, clock.now)
  const rules = new Rules([{ pattern: '^keep-', regex: /^keep-/, maxIdleTimeMs: null, wake: {} }])
  const lifecycle = new Lifecycle({
    registry, provider, events, clock, log: silent, wakeTimeoutMs: 1000,
    hooks: new ShellHooks({}, { timeoutMs: 1000, log: silent, events }),
    wakeOptionsFor: (app) => rules.policyFor(app.name).wake
  })
  const reconciler = new Reconciler({
    registry, provider, lifecycle, rules, events, clock, log: silent, policy: { ...OPT_OUT, defaultMaxIdleTimeMs: 60_000, ignoredApps: new Set(['left-alone']) }, suspectChecks: 2
  })
  return { registry, provider, events, reconciler, advance: (ms: number) => { now += ms } }
}

t.test('discovery shapes new records by the rules; one app gone is forgotten at once', async (t) => {
  const { registry, provider, events, reconciler } = setup()
  provider.apps = [
    { name: 'shop', state: 'running', upstream: 'http://127.0.0.1:1' },
    { name: 'keep-docs', state: 'stopped' },
    { name: 'left-alone', state: 'running' },
    { name: 'other', state: 'running' }
  ]
  t.same(await reconciler.discover(), { discovered: 4, forgotten: 0 })
  t.equal(registry.get('keep-docs')?.maxIdleTimeMs, null, 'a rule says never')
  t.equal(registry.get('shop')?.maxIdleTimeMs, 60_000, 'the default')
  t.equal(registry.get('left-alone')?.ignored, true)
  t.ok(reconciler.listed)
  provider.apps = provider.apps.filter((app) => app.name !== 'other')
  t.same(await reconciler.discover(), { discovered: 0, forgotten: 1 })
  t.notOk(registry.has('other'))
  t.match(await events.query({ app: 'other' }), [{ type: 'forgotten' }])
})

t.test('a listing that loses most apps at once is kept until enough checks agree', async (t) => {
  const { registry, provider, reconciler } = setup()
  provider.apps = ['a', 'b', 'c'].map((name) => ({ name, state: 'running' as const }))
  await reconciler.discover()
  provider.apps = []
  t.same(await reconciler.discover(), { discovered: 0, forgotten: 0 }, 'suspect: kept')
  t.match(reconciler.suspectListing, /lost 3 of 3 apps/)
  t.equal(registry.size, 3)
  t.same(await reconciler.discover(), { discovered: 0, forgotten: 3 }, 'the second check in a row agrees: believed')
  t.equal(reconciler.suspectListing, undefined)
})

t.test('the sweep stops apps idle past their limit, never one with a request in flight, never an unlimited one', async (t) => {
  const { registry, provider, reconciler, advance } = setup()
  provider.apps = ['idle', 'busy', 'keep-docs', 'left-alone'].map((name) => ({ name, state: 'running' as const }))
  await reconciler.discover()
  registry.begin('busy')
  advance(61_000)
  const report = await reconciler.tick()
  t.same(report.stopped, ['idle'])
  t.same(provider.stopped, ['idle'], 'one provider stop')
  t.equal(registry.get('idle')?.state, 'stopped')
  t.same((await reconciler.tick()).stopped, [], 'still in flight: still not stopped')
  registry.end('busy')
  t.same((await reconciler.tick()).stopped, ['busy'], 'past its limit, stopped once nothing is in flight')
})

t.test('a failing listing is reported by the tick and for readiness, and the sweep still runs', async (t) => {
  const { provider, reconciler, advance } = setup()
  provider.apps = [{ name: 'idle', state: 'running' }]
  await reconciler.discover()
  provider.listingError = new Error('account: HTTP 500: boom')
  advance(61_000)
  const report = await reconciler.tick()
  t.equal(report.discoveryError, 'account: HTTP 500: boom')
  t.equal(reconciler.lastDiscoveryOk, false)
  t.same(report.stopped, ['idle'], 'apps already known are still stopped when idle')
  t.same(await reconciler.tryDiscover(), { error: 'account: HTTP 500: boom' }, 'tryDiscover never throws')
})
