// Prometheus metrics (prom-client). Counters of the request path are plain numbers bumped in
// memory and read at scrape time, so the hot path pays no label hashing.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { AppAccount } from '../lib/core/accounting'
import { APP_STATES } from '../lib/core/app-record'
import type { PaastisEvent } from '../lib/core/events'
import { FORWARD_FAILURES, type ForwardFailure } from '../lib/proxy/forward-error'
import type { StopCause } from '../lib/core/lifecycle'
import { PROVIDER_OPERATIONS } from '../lib/core/provider'

/** Every stop cause of the lifecycle (a new one fails to compile until it is listed here). */
const STOP_CAUSES: Record<StopCause, true> = { idle: true, schedule: true, admin: true }
/** The reasons `paastis_stops_total` counts: the lifecycle's stop causes, and a stop a hook refused. */
const STOP_REASONS = [...Object.keys(STOP_CAUSES), 'vetoed']
const WAKE_PHASES = ['provider', 'readiness', 'total'] as const

export class RequestCounters {
  readonly proxied = new Map<string, number>()
  readonly failures = new Map<ForwardFailure, number>()
  waited = 0

  failed (failure: ForwardFailure): void {
    this.failures.set(failure, (this.failures.get(failure) ?? 0) + 1)
  }

  count (app: string, waited: boolean): void {
    this.proxied.set(app, (this.proxied.get(app) ?? 0) + 1)
    if (waited) this.waited++
  }

  /** An app no longer listed: its series go with it. */
  forget (app: string): void {
    this.proxied.delete(app)
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: { registry: Registry, requests: RequestCounters }
  }
}

/* eslint no-new: off -- prom-client's metrics register themselves in the registry their constructor names */
export default fp(async function metrics (fastify: FastifyInstance) {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'paastis_process_' })
  const requests = new RequestCounters()
  const { registry: apps, events } = fastify

  new Gauge({
    name: 'paastis_apps',
    help: 'Apps known to Paastis, per state',
    labelNames: ['state'],
    registers: [registry],
    collect () {
      const counts = Object.fromEntries(APP_STATES.map((state) => [state, 0]))
      for (const app of apps.list()) counts[app.state]++
      for (const state of APP_STATES) this.set({ state }, counts[state])
    }
  })
  // One series per app the registry holds and per state, 1 for the app's state (kube-state-metrics'
  // shape: a state that ends sets its series to 0 rather than leaving it stale).
  new Gauge({
    name: 'paastis_app_state',
    help: 'Each app the registry holds: 1 for its current state, 0 for the others',
    labelNames: ['app', 'provider', 'state'],
    registers: [registry],
    collect () {
      this.reset()
      for (const app of apps.list()) {
        for (const state of APP_STATES) this.set({ app: app.name, provider: app.provider, state }, app.state === state ? 1 : 0)
      }
    }
  })
  new Counter({
    name: 'paastis_requests_proxied_total',
    help: 'Requests proxied, per app',
    labelNames: ['app'],
    registers: [registry],
    collect () {
      this.reset()
      for (const [app, count] of requests.proxied) this.inc({ app }, count)
    }
  })
  new Counter({
    name: 'paastis_requests_waited_total',
    help: 'Proxied requests that waited for their app to wake',
    registers: [registry],
    collect () {
      this.reset()
      this.inc(requests.waited)
    }
  })
  new Gauge({
    name: 'paastis_discovery_suspect',
    help: '1 while the last listing of the provider lost most apps at once and is not believed yet',
    registers: [registry],
    collect () { this.set(fastify.reconciler?.suspectListing === undefined ? 0 : 1) }
  })
  new Counter({
    name: 'paastis_proxy_failures_total',
    help: 'Proxied exchanges that did not end normally, by failure (client_aborted, upstream_refused, upstream_timeout, ...)',
    labelNames: ['failure'],
    registers: [registry],
    collect () {
      this.reset()
      // Every failure has its series from the start, at 0: an alert's rate() needs one.
      for (const failure of FORWARD_FAILURES) this.inc({ failure }, requests.failures.get(failure) ?? 0)
    }
  })
  for (const [name, help, field] of [
    ['paastis_provider_calls_total', 'Provider API calls, per operation', 'calls'],
    ['paastis_provider_errors_total', 'Provider API calls that failed, per operation', 'errors']
  ] as const) {
    new Counter({
      name,
      help,
      labelNames: ['provider', 'operation'],
      registers: [registry],
      collect () {
        this.reset()
        for (const member of fastify.providers) {
          for (const operation of PROVIDER_OPERATIONS) this.inc({ provider: member.name, operation }, member.provider.counts[operation][field])
        }
      }
    })
  }

  // Per-app accounts from the event history, read once per scrape. One series per app the
  // registry holds (what the provider lists): no label comes from a request, so a stranger's
  // Host cannot grow the cardinality, and a forgotten app's series go with it.
  let scrape: { at: number, accounts: Promise<Map<string, AppAccount>> } | undefined
  function accounts (): Promise<Map<string, AppAccount>> {
    const now = Date.now()
    if (scrape === undefined || now - scrape.at > 1000) scrape = { at: now, accounts: fastify.accounting.all() }
    return scrape.accounts
  }
  for (const [name, help, value] of [
    ['paastis_app_asleep_seconds_total', 'Seconds each app has been asleep (stopped by Paastis or found stopped), from the event history', (a: AppAccount) => a.asleepSeconds],
    ['paastis_app_running_seconds_total', 'Seconds each app has been awake, from the event history', (a: AppAccount) => a.runningSeconds],
    ['paastis_app_wakes_total', 'Starts by Paastis per app, from the event history', (a: AppAccount) => a.wakes],
    ['paastis_app_failed_wakes_total', 'Failed starts by Paastis per app, from the event history', (a: AppAccount) => a.failedWakes]
  ] as const) {
    new Counter({
      name,
      help,
      labelNames: ['app', 'provider'],
      registers: [registry],
      async collect () {
        const known = await accounts()
        this.reset()
        for (const app of apps.list()) {
          const account = known.get(app.name)
          this.inc({ app: app.name, provider: app.provider }, account === undefined ? 0 : value(account))
        }
      }
    })
  }

  // One series per app with a cost_per_hour: hours asleep × this is the money /savings counts.
  new Gauge({
    name: 'paastis_app_cost_per_hour',
    help: 'What each app costs per hour running (cost_per_hour in paastis.yml), in COST_CURRENCY',
    labelNames: ['app', 'provider', 'currency'],
    registers: [registry],
    collect () {
      this.reset()
      for (const app of apps.list()) {
        const cost = fastify.rules.policyFor(app.name).costPerHour
        if (cost !== undefined) this.set({ app: app.name, provider: app.provider, currency: fastify.settings.currency }, cost)
      }
    }
  })
  new Gauge({
    name: 'paastis_events_buffered',
    help: 'Events held in memory because the event store (PostgreSQL, Redis) does not take them; 0 while it does',
    registers: [registry],
    collect () { this.set(events.buffered()) }
  })

  new Counter({
    name: 'paastis_webhook_deliveries_total',
    help: 'Webhook deliveries, by result (delivered, failed after its retries, dropped from a full queue)',
    labelNames: ['result'],
    registers: [registry],
    collect () {
      this.reset()
      const counts = fastify.webhooks?.counts ?? { delivered: 0, failed: 0, dropped: 0 }
      for (const [result, count] of Object.entries(counts)) this.inc({ result }, count)
    }
  })

  const wakes = new Counter({ name: 'paastis_wakes_total', help: 'Cold starts completed', registers: [registry] })
  const wakeFailures = new Counter({
    name: 'paastis_wake_failures_total',
    help: 'Wakes that failed, by reason (failed, timeout)',
    labelNames: ['reason'],
    registers: [registry]
  })
  // Per app: `started` events are the registry's apps', never a request's Host.
  const wakeDuration = new Histogram({
    name: 'paastis_wake_duration_seconds',
    help: 'Wake duration per app, split into provider start and readiness wait, and in total',
    labelNames: ['app', 'phase'],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry]
  })
  const stops = new Counter({
    name: 'paastis_stops_total',
    help: 'Stops and refused stops, by reason (idle, schedule, admin, vetoed)',
    labelNames: ['reason'],
    registers: [registry]
  })
  for (const reason of ['failed', 'timeout']) wakeFailures.inc({ reason }, 0)
  for (const reason of STOP_REASONS) stops.inc({ reason }, 0)

  events.on('event', (event: PaastisEvent) => {
    switch (event.type) {
      case 'started':
        wakes.inc()
        if (event.timings !== undefined) {
          wakeDuration.observe({ app: event.app, phase: 'provider' }, event.timings.providerMs / 1000)
          wakeDuration.observe({ app: event.app, phase: 'readiness' }, event.timings.readyMs / 1000)
        }
        wakeDuration.observe({ app: event.app, phase: 'total' }, (event.durationMs ?? 0) / 1000)
        break
      case 'forgotten':
        // Its series go with it, as the per-app accounts' do.
        for (const phase of WAKE_PHASES) wakeDuration.remove({ app: event.app, phase })
        requests.forget(event.app)
        break
      case 'start_failed':
        wakeFailures.inc({ reason: event.reason ?? 'failed' })
        break
      case 'stopped':
        stops.inc({ reason: event.cause ?? 'idle' })
        break
      case 'stop_vetoed':
        stops.inc({ reason: 'vetoed' })
        break
    }
  })

  fastify.decorate('metrics', { registry, requests })
}, { name: 'metrics', dependencies: ['registry', 'provider', 'events', 'accounting', 'clock', 'webhooks', 'rules', 'settings'] })
