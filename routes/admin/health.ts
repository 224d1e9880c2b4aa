// Health endpoints for containers and PaaS health checks: no token needed.
import type { FastifyInstance } from 'fastify'
import { conflictMessage } from '../../lib/core/reconciler'

const healthSchema = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    checks: { type: 'object', additionalProperties: { type: 'string' } },
    configuration: {
      type: 'object',
      description: 'The paastis.yml this replica runs (hash) and, with a shared registry, what every live replica runs',
      properties: { hash: { type: 'string' }, replicas: { type: 'object', additionalProperties: { type: 'string' } } }
    }
  }
} as const

export default async function health (fastify: FastifyInstance): Promise<void> {
  fastify.get('/healthz', {
    config: { public: true },
    schema: { summary: 'The process is alive', tags: ['health'], security: [], response: { 200: healthSchema } }
  }, async () => ({ status: 'ok' }))

  fastify.get('/readyz', {
    config: { public: true },
    schema: {
      summary: 'Configuration loaded and the provider answered at the last check',
      tags: ['health'],
      security: [],
      response: { 200: healthSchema, 503: healthSchema }
    }
  }, async (_request, reply) => {
    const { reconciler } = fastify
    const providerOk = reconciler.lastDiscoveryOk === true
    const { configReload } = fastify
    const checks: Record<string, string> = {
      config: configReload.error === undefined ? 'ok' : `the last reload of paastis.yml was refused: ${configReload.error}; running configuration ${configReload.current.hash}`,
      provider: providerOk
        ? 'ok'
        : reconciler.listed
          ? `${fastify.provider.name} did not answer at the last check (${reconciler.lastDiscoveryError ?? 'no reason given'})`
          : `${fastify.provider.name} has not listed the apps yet (${reconciler.lastDiscoveryError ?? 'still trying'}): hosts of apps not yet known get 503 DISCOVERY_PENDING`
    }
    if (reconciler.suspectListing !== undefined) checks.discovery = reconciler.suspectListing
    // Several providers: one that does not answer, or two that serve one name, is told here.
    // (One provider that does not answer is the `provider` check above.)
    const { provider } = fastify
    if (provider.members.length > 1) {
      if (provider.failures.size > 0) checks.providers = [...provider.failures].map(([name, message]) => `${name} did not answer at the last check (${message}): its apps are kept as they were`).join('; ')
      const conflicts = provider.conflicts()
      if (conflicts.size > 0) checks.conflicts = [...conflicts].map(([key, providers]) => conflictMessage(key, providers)).join('; ')
    }
    let redisOk = true
    if (fastify.registrySync !== undefined) {
      redisOk = fastify.redis.status === 'ready' && !fastify.registrySync.degraded
      checks.redis = redisOk ? 'ok' : `Redis does not answer (${fastify.registrySync.lastError ?? fastify.redis.status}): running apps are still proxied, wakes act on this replica alone`
    }
    // The event store is history, not the request path: away, it is reported, not a reason to
    // take this replica out of rotation (events wait in memory meanwhile).
    if (fastify.events.store !== undefined) checks.events = fastify.events.health() ?? 'ok'
    // A receiver that does not take deliveries is told, not a reason to leave the rotation.
    if (fastify.webhooks !== undefined) checks.webhooks = fastify.webhooks.health() ?? 'ok'
    const configuration: { hash: string, replicas?: Record<string, string> } = { hash: configReload.current.hash }
    if (fastify.registrySync !== undefined && redisOk) {
      const replicas = await fastify.registrySync.configs().catch(() => undefined)
      if (replicas !== undefined) {
        configuration.replicas = Object.fromEntries(replicas)
        const hashes = new Set(replicas.values())
        if (hashes.size > 1) checks.replicas = `the replicas run ${hashes.size} different paastis.yml (${[...hashes].join(', ')}): reload each, or deploy the same file to all`
      }
    }
    const ready = providerOk && redisOk
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks, configuration })
  })
}
