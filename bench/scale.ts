// Scale: 10,000 apps in the registry, measured on the domain services directly (run with
// --expose-gc): the scheduler tick, memory per app, and the Host lookup of the warm path.
import { performance } from 'node:perf_hooks'
import { ShellHooks } from '../lib/core/shell-hooks'
import type { AppRecord, Formation } from '../lib/core/app-record'
import { EventLog } from '../lib/core/events'
import { HostRouter } from '../lib/core/host-router'
import { Lifecycle } from '../lib/core/lifecycle'
import { Reconciler } from '../lib/core/reconciler'
import { Registry } from '../lib/core/registry'
import { Rules } from '../lib/config/rules'
import { OPT_OUT } from '../lib/core/app-policy'
import { MemoryStore } from '../lib/core/store'
import type { Provider, ProviderApp } from '../lib/core/provider'
import { ProviderSet } from '../lib/core/provider-set'

const silent = { info () {}, warn () {}, error () {}, debug () {} }

/** A provider of `count` running apps, answering from memory (the API is not what is measured). */
class ListedApps implements Provider {
  readonly name = 'bench'
  constructor (private readonly apps: ProviderApp[]) {}
  async list (): Promise<ProviderApp[]> { return this.apps }
  async start (): Promise<void> {}
  async stop (): Promise<Formation | undefined> { return undefined }
  failure (): undefined {
    return undefined
  }

  diagnose (): undefined {
    return undefined
  }

  async close (): Promise<void> {}
}

function setup (count: number) {
  const apps = Array.from({ length: count }, (_, i): ProviderApp => ({ name: `app-${i}`, state: 'running', upstream: `http://127.0.0.1:${10_000 + (i % 50_000)}` }))
  const registry = new Registry(new MemoryStore())
  const provider = new ListedApps(apps)
  const events = new EventLog(1000)
  const clock = { now: () => Date.now() }
  const rules = new Rules([{ pattern: 'app-(\\d+)', regex: /app-(\d+)/, maxIdleTimeMs: 3_600_000, wake: {} }])
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
    wakeOptionsFor: () => ({})
  })
  const reconciler = new Reconciler({ registry, provider: providers, lifecycle, rules, events, clock, log: silent, policy: { ...OPT_OUT, defaultMaxIdleTimeMs: 900_000 } })
  return { registry, reconciler, router: new HostRouter(registry, rules) }
}

/** Nanoseconds per warm Host lookup, over hosts that all resolve to known apps. */
function lookupNs (router: HostRouter, hosts: string[]): number {
  for (const host of hosts) router.route(host) // fill the cache, as the first requests do
  const rounds = Math.max(1, Math.floor(2_000_000 / hosts.length))
  let found = 0
  const begin = performance.now()
  for (let r = 0; r < rounds; r++) {
    for (const host of hosts) if ((router.route(host) as { record?: AppRecord }).record !== undefined) found++
  }
  const elapsed = performance.now() - begin
  if (found !== rounds * hosts.length) throw new Error('a lookup failed')
  return (elapsed * 1e6) / (rounds * hosts.length)
}

async function main (): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})
  const count = Number(process.env.APPS ?? 10_000)
  gc()
  const before = process.memoryUsage()
  const big = setup(count)
  await big.reconciler.tick() // discovers every app
  gc()
  const after = process.memoryUsage()
  const ticks: number[] = []
  for (let i = 0; i < 5; i++) {
    const begin = performance.now()
    await big.reconciler.tick()
    ticks.push(performance.now() - begin)
  }
  ticks.sort((a, b) => a - b)
  const bigHosts = Array.from({ length: count }, (_, i) => `app-${i}.proxy.example.com`)
  const small = setup(1)
  await small.reconciler.tick()
  const one = lookupNs(small.router, ['app-0.proxy.example.com'])
  const many = lookupNs(big.router, bigHosts)
  console.log(JSON.stringify({
    apps: big.registry.size,
    tickMs: ticks[2],
    rssPerAppBytes: (after.rss - before.rss) / count,
    heapPerAppBytes: (after.heapUsed - before.heapUsed) / count,
    lookupNs1: one,
    lookupNsMany: many
  }))
}

void main()
