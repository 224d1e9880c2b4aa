// Each app's running and asleep time, wakes and wake times, read from the event history
// (lib/accounting.ts): the figures survive what the events survive, and agree across replicas.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { account, ACCOUNTED_EVENTS, type AppAccount } from '../lib/accounting'

export interface Accounting {
  /** Every app's account over [from, to), epoch ms. */
  accounts(from: number, to: number): Promise<Map<string, AppAccount>>
}

declare module 'fastify' {
  interface FastifyInstance {
    accounting: Accounting
  }
}

export default fp(async function accounting (fastify: FastifyInstance) {
  const { events } = fastify
  fastify.decorate('accounting', {
    async accounts (from: number, to: number) {
      return account(await events.history(ACCOUNTED_EVENTS, to), from, to)
    }
  })
}, { name: 'accounting', dependencies: ['events'] })
