import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ShellHooks } from '../lib/core/shell-hooks'

declare module 'fastify' {
  interface FastifyInstance {
    shellHooks: ShellHooks
  }
}

export default fp(async function shellHooks (fastify: FastifyInstance) {
  const { config, settings } = fastify
  fastify.decorate('shellHooks', new ShellHooks({
    'before-start': config.HOOKS_BEFORE_START,
    'after-start': config.HOOKS_AFTER_START,
    'before-stop': config.HOOKS_BEFORE_STOP,
    'after-stop': config.HOOKS_AFTER_STOP
  }, { timeoutMs: settings.hooksTimeoutMs, log: fastify.log.child({ component: 'hooks' }), events: fastify.events }))
}, { name: 'shell-hooks', dependencies: ['config', 'settings', 'events'] })
