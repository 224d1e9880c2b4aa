// paastis.yml read again on SIGHUP, when the file changes (its folder is watched: editors replace
// files), and by POST /config/reload (lib/core/config-reload.ts checks it whole, then applies it).
// Applied at once to every record — idle times, management, linked apps, rules, schedules,
// exact hosts — and to the providers (only those whose entry changed are rebuilt).
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { watch, type FSWatcher } from 'node:fs'
import path from 'node:path'
import type { AppOptions } from '../lib/config/app-options'
import { envSchema } from '../lib/config/config-schema'
import { ConfigReload } from '../lib/core/config-reload'
import { domainsOf } from '../lib/core/host-router'
import { loadPaastisFile } from '../lib/config/paastis-file'
import { logStopPlan } from '../lib/core/stop-plan'
import type { PreparedProviders } from './provider'

declare module 'fastify' {
  interface FastifyInstance {
    configReload: ConfigReload<PreparedProviders>
  }
}

/** Editors write a file in several steps: the file is read once it has been quiet this long. */
const SETTLE_MS = 100

export default fp(async function configReload (fastify: FastifyInstance, opts: AppOptions) {
  const { config, settings, rules, registry, hostRouter, providerSetup, events } = fastify
  const log = fastify.log.child({ component: 'config' })
  const file = config.PAASTIS_CONFIG_FILE
  const required = file !== envSchema.properties.PAASTIS_CONFIG_FILE.default
  const reloader = new ConfigReload<PreparedProviders>({
    initial: settings.file,
    events,
    log,
    read: async () => await loadPaastisFile(file, required, opts.env ?? process.env),
    prepare: async (next) => await providerSetup.prepare(next),
    apply: async (next, prepared) => {
      await providerSetup.apply(prepared)
      settings.file = next
      rules.replace(next.rules)
      const apps = registry.reconfigure()
      hostRouter.reset(domainsOf(next.providers))
      // A provider no longer named takes its apps with it: nothing could start or stop them.
      for (const record of registry.list().filter((candidate) => prepared.removed.includes(candidate.provider))) {
        await registry.remove(record.name)
        events.record({ app: record.name, type: 'forgotten', cause: 'config', message: `its provider ${record.provider} is no longer in paastis.yml` })
      }
      // New providers' apps, new command apps: listed now rather than at the next check.
      if (prepared.added.length > 0 || next.apps.length > 0) void fastify.reconciler.tryDiscover()
      // What the new rules will stop, said before they stop anything.
      logStopPlan(log, registry.list(), { dryRun: settings.dryRun, optIn: settings.policy.optIn })
      return { rules: next.rules.length, apps, providersAdded: prepared.added, providersRemoved: prepared.removed }
    }
  })
  fastify.decorate('configReload', reloader)
  if (opts.check === true) return

  const onSignal = (): void => { void reloader.reload('signal') }
  let watcher: FSWatcher | undefined
  let settle: NodeJS.Timeout | undefined
  fastify.addHook('onReady', async () => {
    // Under `fastify start`, close-with-grace listens to SIGHUP to shut down: here it reloads.
    if (opts.standalone === true) for (const listener of process.listeners('SIGHUP')) process.off('SIGHUP', listener)
    process.on('SIGHUP', onSignal)
    try {
      watcher = watch(path.dirname(path.resolve(file)), (_event, name) => {
        if (name !== null && name !== path.basename(file)) return
        clearTimeout(settle)
        settle = setTimeout(() => { void reloader.reload('file') }, SETTLE_MS)
      })
      watcher.on('error', (err) => { log.warn(`paastis.yml is no longer watched: ${err.message}; SIGHUP and POST /config/reload still reload it`) })
    } catch (err) {
      log.warn(`${file} cannot be watched (${(err as Error).message}): SIGHUP and POST /config/reload reload it`)
    }
  })
  fastify.addHook('onClose', async () => {
    process.off('SIGHUP', onSignal)
    clearTimeout(settle)
    watcher?.close()
  })
}, { name: 'config-reload', dependencies: ['config', 'settings', 'rules', 'registry', 'host-router', 'provider', 'events', 'reconciler'] })
