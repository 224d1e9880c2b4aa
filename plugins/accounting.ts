// Each app's running and asleep time, wakes and wake times, read from the event history
// (lib/accounting.ts): the figures survive what the events survive, and agree across replicas.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { account, ACCOUNTED_EVENTS, type AppAccount } from '../lib/accounting'

export interface Accounting {
  /** Every app's account over [from, to), epoch ms. */
  accounts(from: number, to: number): Promise<Map<string, AppAccount>>
  /** Every app's account since it was first seen, until now. */
  all(): Promise<Map<string, AppAccount>>
}

declare module 'fastify' {
  interface FastifyInstance {
    accounting: Accounting
  }
}

export default fp(async function accounting (fastify: FastifyInstance) {
  const { events, clock } = fastify
  const accounts = async (from: number, to: number): Promise<Map<string, AppAccount>> => account(await events.history(ACCOUNTED_EVENTS, to), from, to)
  fastify.decorate<Accounting>('accounting', {
    accounts,
    all: async () => await accounts(0, clock.now())
  })
}, { name: 'accounting', dependencies: ['events', 'clock'] })
