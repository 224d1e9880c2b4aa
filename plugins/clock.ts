import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { systemClock, type Clock } from '../lib/common/clock'
import type { AppOptions } from '../lib/config/app-options'

declare module 'fastify' {
  interface FastifyInstance {
    clock: Clock
  }
}

// Tests inject a clock they move by hand, to check idle limits of hours without waiting.
export default fp(async function clock (fastify: FastifyInstance, opts: AppOptions) {
  fastify.decorate('clock', opts.clock ?? systemClock)
}, { name: 'clock' })
