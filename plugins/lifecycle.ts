import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Lifecycle } from '../lib/core/lifecycle'
import { keptAwakeUntil } from '../lib/config/schedule'

declare module 'fastify' {
  interface FastifyInstance {
    lifecycle: Lifecycle
  }
}

export default fp(async function lifecycle (fastify: FastifyInstance) {
  fastify.decorate('lifecycle', new Lifecycle({
    registry: fastify.registry,
    provider: fastify.provider,
    hooks: fastify.shellHooks,
    events: fastify.events,
    clock: fastify.clock,
    log: fastify.log.child({ component: 'lifecycle' }),
    wakeTimeoutMs: fastify.settings.wakeTimeoutMs,
    wakeBackoffMs: fastify.settings.wakeBackoffMs,
    wakeBackoffMaxMs: fastify.settings.wakeBackoffMaxMs,
    maxWaiting: fastify.config.WAKE_MAX_PENDING,
    locks: fastify.locks,
    probeDispatcher: fastify.forwarder.agent,
    remoteInflight: fastify.registrySync === undefined ? undefined : async (name) => await fastify.registrySync?.remoteInflight(name) ?? 0,
    dryRun: fastify.settings.dryRun,
    drainTimeoutMs: fastify.settings.stopDrainTimeoutMs,
    tracing: fastify.tracing,
    wakeOptionsFor: (app) => fastify.rules.policyFor(app.name).wake,
    keptAwakeUntil: (app, now) => keptAwakeUntil(fastify.rules.policyFor(app.name).schedule, now)
  }))
}, { name: 'lifecycle', dependencies: ['config', 'registry', 'locks', 'provider', 'shell-hooks', 'events', 'clock', 'settings', 'rules', 'forwarder', 'tracing'] })
