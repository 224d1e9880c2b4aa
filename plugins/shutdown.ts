// A graceful shutdown under any launcher (server.ts, `fastify start`): requests in flight drain
// for SHUTDOWN_GRACE_PERIOD, then the connections still open are cut, so that the close goes on
// (the apps Paastis spawned are stopped by the provider's close). Standalone, a close that still
// hangs some time later ends the process: an orchestrator's stop always ends.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppOptions } from '../lib/config/app-options'

/** After the grace period, the close (providers, stores) has this long to finish. */
export const CLOSE_DEADLINE_MS = 10_000

export default fp(async function shutdown (fastify: FastifyInstance, opts: AppOptions) {
  const graceMs = fastify.settings.shutdownGraceMs
  const timers: NodeJS.Timeout[] = []
  fastify.addHook('preClose', async () => {
    timers.push(setTimeout(() => {
      fastify.log.warn(`requests still open after SHUTDOWN_GRACE_PERIOD (${graceMs} ms): closing their connections`)
      fastify.server.closeAllConnections()
    }, graceMs).unref())
    if (opts.standalone !== true) return
    timers.push(setTimeout(() => {
      fastify.log.fatal(`the shutdown did not finish ${CLOSE_DEADLINE_MS} ms after SHUTDOWN_GRACE_PERIOD: exiting (the apps Paastis spawned are killed)`)
      process.exit(1)
    }, graceMs + CLOSE_DEADLINE_MS).unref())
  })
  fastify.addHook('onClose', async () => { for (const timer of timers) clearTimeout(timer) })
}, { name: 'shutdown', dependencies: ['settings'] })
