import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { EventLog } from '../lib/events'

declare module 'fastify' {
  interface FastifyInstance {
    events: EventLog
  }
}

export default fp(async function events (fastify: FastifyInstance) {
  fastify.decorate('events', new EventLog(1000, () => fastify.clock.now()))
}, { name: 'events', dependencies: ['clock'] })
