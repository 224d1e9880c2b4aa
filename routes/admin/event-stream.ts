// The events as they happen, for the dashboard: server-sent events on the admin API (the token or
// the session, like every admin route), within the dashboard's CSP (connect-src 'self'). This
// replica's events: a dashboard reads them as "something changed" and reads the lists again,
// which hold every replica's.
import type { FastifyInstance } from 'fastify'
import type { ServerResponse } from 'node:http'
import { PaastisError } from '../../lib/common/errors'
import type { PaastisEvent } from '../../lib/core/events'

/** Open streams at once: each is an admin's tab; more is a leak or an attack. */
const MAX_STREAMS = 50
/** A comment line this often: proxies and load balancers keep an idle stream open. */
const KEEP_ALIVE_MS = 15_000
/** A client that reads nothing is cut past this much unsent: memory stays bounded. */
const MAX_UNSENT_BYTES = 1024 * 1024

export default async function eventStream (fastify: FastifyInstance): Promise<void> {
  const { events } = fastify
  const streams = new Set<ServerResponse>()
  events.setMaxListeners(events.getMaxListeners() + MAX_STREAMS)
  // A shutdown does not wait for streams that never end by themselves.
  fastify.addHook('preClose', async () => { for (const stream of streams) stream.end() })

  fastify.get('/events/stream', {
    schema: {
      summary: 'The events as they happen on this replica, as server-sent events (event: paastis, data: the event as JSON)',
      tags: ['events'],
      produces: ['text/event-stream']
    }
  }, async (_request, reply) => {
    if (streams.size >= MAX_STREAMS) throw new PaastisError('TOO_MANY_CONNECTIONS', `${MAX_STREAMS} event streams are open already; close a dashboard tab`, 5)
    reply.hijack()
    const stream = reply.raw
    stream.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // nginx and the like would hold the events in a buffer.
      'x-accel-buffering': 'no'
    })
    stream.write('retry: 2000\n\n')
    const send = (event: PaastisEvent): void => {
      if (stream.writableLength > MAX_UNSENT_BYTES) {
        stream.destroy()
        return
      }
      // JSON holds no raw newline: one data line per event.
      stream.write(`event: paastis\ndata: ${JSON.stringify(event)}\n\n`)
    }
    const keepAlive = setInterval(() => { stream.write(': keep-alive\n\n') }, KEEP_ALIVE_MS).unref()
    events.on('event', send)
    streams.add(stream)
    stream.once('close', () => {
      events.off('event', send)
      clearInterval(keepAlive)
      streams.delete(stream)
    })
  })
}
