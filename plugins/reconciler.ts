// The reconciler, run on START_AND_STOP_CHECKING_INTERVAL_CRON (the start-and-stop check:
// discovery, then the idle sweep), and the first listing, in the background at start.
import fastifySchedule from '@fastify/schedule'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { AsyncTask, CronJob, SimpleIntervalJob } from 'toad-scheduler'
import { Reconciler } from '../lib/core/reconciler'
import type { AppOptions } from '../lib/config/app-options'
import { coalesced } from '../lib/common/coalesced'
import { ConfigError } from '../lib/config/config-error'
import { logStopPlan } from '../lib/core/stop-plan'

declare module 'fastify' {
  interface FastifyInstance {
    reconciler: Reconciler
    /** Resolves when the first attempt at listing the apps is over. */
    firstDiscovery: () => Promise<void>
  }
}

export default fp(async function reconciler (fastify: FastifyInstance, opts: AppOptions) {
  const log = fastify.log.child({ component: 'scheduler' })
  const reconciler = new Reconciler({
    registry: fastify.registry,
    provider: fastify.provider,
    lifecycle: fastify.lifecycle,
    rules: fastify.rules,
    events: fastify.events,
    clock: fastify.clock,
    log,
    policy: fastify.settings.policy,
    locks: fastify.locks,
    sync: fastify.registrySync,
    suspectChecks: fastify.config.DISCOVERY_SUSPECT_CHECKS
  })
  fastify.decorate('reconciler', reconciler)
  // Rules with `provider:` and every event need the provider of an app: the registry knows it.
  fastify.rules.providerOf = (name) => fastify.registry.get(name)?.provider
  fastify.events.providerOf = (name) => fastify.registry.get(name)?.provider

  const task = new AsyncTask('start-and-stop-check', async () => {
    const report = await reconciler.tick()
    if (report.discovered + report.forgotten + report.stopped.length > 0) log.info(report, 'start-and-stop check')
  }, (err) => { log.error({ err }, 'start-and-stop check failed') })
  let job: CronJob
  const cronExpression = fastify.config.START_AND_STOP_CHECKING_INTERVAL_CRON
  try {
    job = new CronJob({ cronExpression }, task, { preventOverrun: true })
    // The expression is parsed when the job starts: fail at start-up, not at the first tick.
    job.start()
    job.stop()
  } catch (err) {
    throw new ConfigError(`START_AND_STOP_CHECKING_INTERVAL_CRON: "${cronExpression}" is not a cron expression (${(err as Error).message})`)
  }

  await fastify.register(fastifySchedule)
  // Paastis listens at once and lists the apps in the background: a slow provider (a 429 with a
  // long Retry-After, a token exchange that hangs) must not make a PaaS restart it in a loop.
  let retry: NodeJS.Timeout | undefined
  let closed = false
  async function firstListing (attempt: number): Promise<void> {
    const outcome = await reconciler.tryDiscover()
    if (!('error' in outcome)) {
      log.info({ apps: fastify.registry.size }, 'apps listed')
      // Before anything is stopped, the operator reads what will be (`paastis check` prints it itself).
      if (opts.check !== true) {
        logStopPlan(log, fastify.registry.list(), { dryRun: fastify.settings.dryRun, optIn: fastify.settings.policy.optIn })
      }
      return
    }
    if (opts.check === true) return
    const delayMs = Math.min(30_000, 1000 * 2 ** attempt)
    log.info(`trying the first listing again in ${delayMs / 1000} s`)
    if (!closed && !reconciler.listed) retry = setTimeout(() => { void firstListing(attempt + 1) }, delayMs)
  }
  /** The first try at listing, success or failure (tests wait for it). */
  let firstTry: Promise<void> = Promise.resolve()
  fastify.decorate('firstDiscovery', () => firstTry)
  // EVENTS_RETENTION: older events are deleted at start and every hour, in whatever store.
  const retention = new AsyncTask('events-retention', async () => {
    const pruned = await fastify.events.prune(fastify.clock.now() - fastify.settings.eventsRetentionMs)
    if (pruned > 0) log.info({ pruned }, 'events older than EVENTS_RETENTION deleted')
  }, (err) => { log.warn(`events retention: ${err.message}`) })
  // A provider that sees outside changes (Docker's events) has them listed at once, not at the
  // next check: one listing at a time, however many events came.
  const relist = coalesced(async () => {
    const outcome = await reconciler.tryDiscover()
    if ('discovered' in outcome && outcome.discovered + outcome.forgotten > 0) log.info(outcome, 'apps listed after a change seen by the provider')
  })
  const changed = (): void => { if (!closed) relist() }
  fastify.addHook('onReady', async () => {
    firstTry = firstListing(0)
    if (opts.check === true) return
    fastify.providerChanges.on('changed', changed)
    fastify.scheduler.addCronJob(job)
    fastify.scheduler.addSimpleIntervalJob(new SimpleIntervalJob({ hours: 1, runImmediately: true }, retention, { preventOverrun: true }))
  })
  fastify.addHook('onClose', async () => {
    closed = true
    clearTimeout(retry)
    fastify.providerChanges.off('changed', changed)
    await relist.idle()
  })
}, { name: 'reconciler', dependencies: ['registry', 'locks', 'provider', 'lifecycle', 'rules', 'events', 'clock', 'config', 'settings'] })
