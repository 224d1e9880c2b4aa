// The start-and-stop check: discovery then idle sweep, on START_AND_STOP_CHECKING_INTERVAL_CRON.
import fastifySchedule from '@fastify/schedule'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { AsyncTask, CronJob } from 'toad-scheduler'
import { Reconciler } from '../lib/reconciler'
import { ConfigError } from './config'

declare module 'fastify' {
  interface FastifyInstance {
    reconciler: Reconciler
  }
}

export default fp(async function scheduler (fastify: FastifyInstance) {
  const log = fastify.log.child({ component: 'scheduler' })
  const reconciler = new Reconciler({
    registry: fastify.registry,
    provider: fastify.provider,
    lifecycle: fastify.lifecycle,
    rules: fastify.rules,
    events: fastify.events,
    clock: fastify.clock,
    log,
    defaultMaxIdleTimeMs: fastify.settings.defaultMaxIdleTimeMs,
    ignoredApps: fastify.settings.ignoredApps,
    locks: fastify.locks,
    sync: fastify.registrySync
  })
  fastify.decorate('reconciler', reconciler)

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
  fastify.addHook('onReady', async () => {
    // The registry is filled before the first request is served.
    await reconciler.discover().then(() => { reconciler.lastDiscoveryOk = true }, (err: Error) => {
      reconciler.lastDiscoveryOk = false
      log.error(`initial discovery failed: ${err.message}`)
    })
    fastify.scheduler.addCronJob(job)
  })
}, { name: 'scheduler', dependencies: ['registry', 'provider', 'lifecycle', 'rules', 'events', 'clock', 'config'] })
