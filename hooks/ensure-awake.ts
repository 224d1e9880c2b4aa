// The preHandler of every proxied request: Host → app, then make sure the app answers.
// A running app costs two map lookups and no I/O; a sleeping one is woken once for all waiters.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AppRecord } from '../lib/app-record'
import { appIgnored, badHost, unknownApp, wakeFailed, wakeTimeout } from '../lib/errors'
import { WakeError } from '../lib/lifecycle'

export interface ProxyTarget {
  app: AppRecord
  upstream: string
  /** How long this request waited for the app to wake, when it did. */
  wakeMs?: number
}

declare module 'fastify' {
  interface FastifyRequest {
    paastis?: ProxyTarget
  }
}

export function ensureAwake (fastify: FastifyInstance) {
  const { hostRouter, registry, lifecycle, clock } = fastify

  return async function ensureAwakeHandler (request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const route = hostRouter.route(request.headers.host)
    if (route.kind === 'bad-host') throw badHost()
    if (route.kind === 'unknown') throw unknownApp(route.key)
    const app = route.record
    let wakeMs: number | undefined
    if (app.state !== 'running') {
      if (app.ignored) throw appIgnored(app.name)
      const waitedFrom = performance.now()
      try {
        await lifecycle.wake(app.name, 'request')
      } catch (err) {
        if (!(err instanceof WakeError)) throw err
        if (err.reason === 'unknown') throw unknownApp(app.name)
        throw err.reason === 'timeout' ? wakeTimeout(err.message, 30) : wakeFailed(err.message, 10)
      }
      wakeMs = Math.round(performance.now() - waitedFrom)
    }
    registry.touch(app, clock.now())
    registry.begin(app.name)
    request.paastis = { app, upstream: app.upstream as string, wakeMs }
  }
}

/** onResponse: the request is over; its end counts as activity too (long downloads, streams). */
export function requestDone (fastify: FastifyInstance) {
  const { registry, clock, metrics } = fastify
  return async function requestDoneHandler (request: FastifyRequest): Promise<void> {
    const target = request.paastis
    if (target === undefined) return
    registry.touch(target.app, clock.now())
    registry.end(target.app.name)
    metrics.requests.count(target.app.name, target.wakeMs !== undefined)
  }
}
