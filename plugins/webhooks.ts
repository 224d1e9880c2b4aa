// WEBHOOK_URLS: chosen events POSTed, signed, to the operators' endpoints (lib/core/webhooks.ts).
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { AppOptions } from '../lib/config/app-options'
import { commaList } from '../lib/config/config-schema'
import { ConfigError } from '../lib/config/config-error'
import { parseFiniteDuration } from '../lib/common/duration'
import { EVENT_TYPES, type EventType } from '../lib/core/events'
import { Webhooks } from '../lib/core/webhooks'

declare module 'fastify' {
  interface FastifyInstance {
    /** Undefined without WEBHOOK_URLS. */
    webhooks: Webhooks | undefined
  }
}

export default fp(async function webhooks (fastify: FastifyInstance, opts: AppOptions) {
  const { config } = fastify
  const urls = commaList(config.WEBHOOK_URLS)
  urls.forEach((url, i) => {
    let protocol = ''
    try { protocol = new URL(url).protocol } catch {}
    // Not the URL itself in the message: it may hold a token.
    if (protocol !== 'http:' && protocol !== 'https:') throw new ConfigError(`WEBHOOK_URLS: item ${i + 1} is not an http(s) URL`)
  })
  const events = commaList(config.WEBHOOK_EVENTS)
  const unknown = events.filter((type) => !(EVENT_TYPES as readonly string[]).includes(type))
  if (unknown.length > 0) throw new ConfigError(`WEBHOOK_EVENTS: unknown event ${unknown.join(', ')} (expected some of: ${EVENT_TYPES.join(', ')})`)
  if (urls.length === 0 || opts.check === true) {
    fastify.decorate('webhooks', undefined)
    return
  }
  if (config.WEBHOOK_SECRET === undefined) fastify.log.warn('WEBHOOK_URLS without WEBHOOK_SECRET: deliveries are not signed')
  let timeoutMs: number
  try {
    timeoutMs = parseFiniteDuration(config.WEBHOOK_TIMEOUT, 's')
  } catch (err) {
    throw new ConfigError(`WEBHOOK_TIMEOUT: ${(err as Error).message}`)
  }
  const hooks = new Webhooks({
    urls,
    events: new Set(events as EventType[]),
    secret: config.WEBHOOK_SECRET,
    timeoutMs,
    retries: config.WEBHOOK_RETRIES,
    log: fastify.log.child({ component: 'webhooks' })
  })
  fastify.events.on('event', (event) => { hooks.notify(event) })
  fastify.decorate('webhooks', hooks)
  fastify.addHook('onClose', async () => { await hooks.close() })
}, { name: 'webhooks', dependencies: ['config', 'events'] })
