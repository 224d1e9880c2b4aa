// Each app's running and asleep time, wakes and wake times, read from the event history
// (lib/core/accounting.ts): the figures survive what the events survive, and agree across replicas.
// Reads cost O(apps) for the totals (a ledger kept up to date, lib/core/accounting-ledger.ts) and
// O(period) for a period (its events, and each app's last one before it).
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { account, ACCOUNTED_EVENTS, type AppAccount } from '../lib/core/accounting'
import { AccountingLedger } from '../lib/core/accounting-ledger'

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
  const ledger = new AccountingLedger(async (types, until, since) => await events.history(types, until, since))
  const accounts = async (from: number, to: number): Promise<Map<string, AppAccount>> => {
    // The apps the ledger knows, and those of the registry (an app whose history begins in the period is in it).
    await ledger.all(clock.now())
    const apps = [...new Set([...ledger.apps, ...fastify.registry.list().map((record) => record.name)])]
    const [period, before] = await Promise.all([events.history(ACCOUNTED_EVENTS, to, from), events.lastBefore(ACCOUNTED_EVENTS, from, apps)])
    return account(period, from, to, before)
  }
  fastify.decorate<Accounting>('accounting', {
    accounts,
    all: async () => await ledger.all(clock.now())
  })
}, { name: 'accounting', dependencies: ['events', 'clock', 'registry'] })
