// The reconciler on the domain alone (no Fastify): a provider of a few in-memory apps, a clock the
// test moves. Discovery, forgetting, a suspect listing, the idle sweep and a failing listing.
import t from 'tap'
import { OPT_OUT } from '../../../lib/core/app-policy'
import type { Formation } from '../../../lib/core/app-record'
import { EventLog } from '../../../lib/core/events'
import { Lifecycle } from '../../../lib/core/lifecycle'
import type { Provider, ProviderApp } from '../../../lib/core/provider'
import { Reconciler } from '../../../lib/core/reconciler'
import { Registry } from '../../../lib/core/registry'
import { Rules } from '../../../lib/config/rules'
import { ShellHooks } from '../../../lib/core/shell-hooks'
import { MemoryStore } from '../../../lib/core/store'
import { ProviderSet } from '../../../lib/core/provider-set'

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

  failure (): undefined {
    return undefined
  }

  diagnose (): undefined {
    return undefined
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
  // The lifecycle and the reconciler see the provider as Paastis does: a set, of one here.
  const providers = new ProviderSet([{ name: provider.name, provider }])
  const lifecycle = new Lifecycle({
    registry,
    provider: providers,
    events,
    clock,
    log: silent,
    wakeTimeoutMs: 1000,
    hooks: new ShellHooks({}, { timeoutMs: 1000, log: silent, events }),
    wakeOptionsFor: (app) => rules.policyFor(app.name).wake
  })
  const reconciler = new Reconciler({
    registry, provider: providers, lifecycle, rules, events, clock, log: silent, policy: { ...OPT_OUT, defaultMaxIdleTimeMs: 60_000, ignoredApps: new Set(['left-alone']) }, suspectChecks: 2
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

t.test('listings asked for at once (a tick, a provider event) run one after the other: the newest is applied last', async (t) => {
  const { registry, provider, reconciler } = setup()
  provider.apps = [{ name: 'box', state: 'running', upstream: 'http://127.0.0.1:1' }]
  await reconciler.discover()
  // The first listing is slow and was taken before the container stopped; the second, after.
  let releaseSlow = (): void => {}
  const list = provider.list.bind(provider)
  let calls = 0
  provider.list = async () => {
    calls++
    if (calls === 1) {
      const stale = await list()
      await new Promise<void>((resolve) => { releaseSlow = resolve })
      return stale
    }
    return await list()
  }
  const first = reconciler.discover()
  await new Promise((resolve) => setImmediate(resolve))
  provider.apps[0].state = 'stopped'
  const second = reconciler.discover()
  await new Promise((resolve) => setImmediate(resolve))
  releaseSlow()
  await Promise.all([first, second])
  t.equal(calls, 2)
  t.equal(registry.get('box')?.state, 'stopped', 'the stale listing did not overwrite the fresh one')
})

t.test("an app's own rule (its labels) applies from its listing, reaches its record when it changes, and goes with it", async (t) => {
  const { registry, provider, reconciler } = setup()
  const rule = (minutes: number) => ({ pattern: `labels: max_idle_time=${minutes}m`, regex: /^$/, maxIdleTimeMs: minutes * 60_000, wake: {} })
  provider.apps = [{ name: 'box', state: 'stopped', upstream: 'http://127.0.0.1:1', rule: rule(30) }]
  await reconciler.discover()
  t.equal(registry.get('box')?.maxIdleTimeMs, 30 * 60_000)
  t.same(registry.get('box')?.rules, ['labels: max_idle_time=30m'])
  provider.apps[0].rule = rule(5)
  await reconciler.discover()
  t.equal(registry.get('box')?.maxIdleTimeMs, 5 * 60_000, 'a container recreated with other labels')
  provider.apps[0].rule = undefined
  await reconciler.discover()
  t.equal(registry.get('box')?.maxIdleTimeMs, 60_000, 'labels removed: the default again')
})

t.test('an app failed at its provider and then seen running (fixed outside) is adopted', async (t) => {
  const { registry, provider, reconciler } = setup()
  provider.apps = [{ name: 'crashy', state: 'failed', detail: 'boot crashed', upstream: 'http://127.0.0.1:1' }]
  await reconciler.discover()
  t.equal(registry.get('crashy')?.state, 'failed')
  provider.apps[0].state = 'running'
  await reconciler.discover()
  // Adoption waits for the app's probe: the wake is under way (busy), not ignored.
  t.equal(reconciler['options'].lifecycle.isBusy('crashy'), true, 'being adopted')
})

t.test("MANAGE_APPS=opt-in: an app's own labels do not opt it in; the operator's file or list does", async (t) => {
  const { registry, provider, events, reconciler } = setup()
  void events
  reconciler['options'].policy = { ...reconciler['options'].policy, optIn: true, managedApps: new Set(['listed']) }
  const own = { pattern: 'labels: max_idle_time=5m', regex: /^$/, maxIdleTimeMs: 5 * 60_000, wake: {} }
  provider.apps = [
    { name: 'labelled', state: 'stopped', rule: own },
    { name: 'listed', state: 'stopped', rule: own },
    { name: 'keep-named', state: 'stopped', rule: own }
  ]
  await reconciler.discover()
  t.equal(registry.get('labelled')?.ignored, true, 'labels alone: left alone')
  t.equal(registry.get('listed')?.ignored, false, 'REGISTRY_MANAGED_APPS names it')
  t.equal(registry.get('keep-named')?.ignored, false, 'a rule of the file names it')
})
