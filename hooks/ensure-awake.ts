// The preHandler of every proxied request: Host → app, then make sure the app answers (or give
// the waiting page, or an error). What the request gets is decided by the core
// (lib/core/request-outcome.ts, a pure function); this hook gathers the facts and translates the
// outcome into Fastify. A running app costs two map lookups and no I/O; a sleeping one is woken
// by the lifecycle, once for all waiters (a waiting GET or HEAD offered as the wake's probe:
// lib/core/lifecycle/held-probes.ts); the exchange is counted by lib/core/exchange.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { setTimeout as sleep } from 'node:timers/promises'
import type { AppRecord } from '../lib/core/app-record'
import { adminIsElsewhere, appIgnored, badHost, discoveryPending, PaastisError, unknownApp, WakeError, wakeError } from '../lib/common/errors'
import { Exchanges } from '../lib/core/exchange'
import type { AppRoute, Route } from '../lib/core/host-router'
import { ExpectedWakes } from '../lib/core/expected-wake'
import { failureOutcome, requestOutcome, type RequestOutcome } from '../lib/core/request-outcome'
import { STATUS_HEADER, type WakeStatus } from '../lib/pages/visitor-pages'
import { hasBody } from '../lib/proxy/forwarder'
import type { ProbeResult } from '../lib/proxy/probe'

export interface ProxyTarget {
  app: AppRecord
  upstream: string
  /** How long this request waited for the app to wake, when it did. */
  wakeMs?: number
  /** Requests that do not count as activity (whitelisted alias, ignored user agent). */
  passive: boolean
  /** Ends the exchange (idempotent): uncounts it, and its end counts as activity. */
  end: () => void
  /** Set on the second try of a request whose app was found down (one retry, no more). */
  retried?: boolean
  /** Proxied to the rule's `fallback` after a failed wake: its failures say nothing of the app. */
  fallback?: boolean
  /** Sends the app's answer to this request, held since it passed as the app's probe. */
  release?: () => void
}

/** Sends a held request as its waking app's probe (routes/proxy.ts): see lifecycle/held-probes.ts. */
export type ProbeWith = (request: FastifyRequest, reply: FastifyReply, target: ProxyTarget, timeoutMs: number) => Promise<ProbeResult | 'withdrawn'>

declare module 'fastify' {
  interface FastifyRequest {
    paastis?: ProxyTarget
  }
}

/** A top-level browser navigation: the only request that may get the waiting page. */
function isNavigation (request: FastifyRequest): boolean {
  if (request.method !== 'GET') return false
  if (request.headers.accept?.includes('text/html') !== true) return false
  const mode = request.headers['sec-fetch-mode']
  return mode === undefined || mode === 'navigate'
}

function isPassive (route: AppRoute, request: FastifyRequest): boolean {
  if (route.whitelisted) return true
  const agents = route.policy.wake.ignoreUserAgents
  if (agents === undefined) return false
  const agent = request.headers['user-agent'] ?? ''
  return agents.some((pattern) => pattern.test(agent))
}

function isLoopback (address: string | undefined): boolean {
  return address === '::1' || address?.startsWith('127.') === true || address?.startsWith('::ffff:127.') === true
}

const PROXY_NOW: RequestOutcome = { kind: 'proxy' }

/** How long a request waits for the first listing of the apps after a start. */
const DISCOVERY_WAIT_MS = 10_000

/** RFC 9112 §3.2: a request with more than one Host is refused (Node keeps the first). */
function singleHost (rawHeaders: string[]): boolean {
  let hosts = 0
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]
    if (name.length === 4 && name.toLowerCase() === 'host' && ++hosts > 1) return false
  }
  return true
}

/** A GET or HEAD without a body or an upgrade offer: may be sent again (RFC 9110 §9.2.2). */
function isRepeatable (request: FastifyRequest): boolean {
  return (request.method === 'GET' || request.method === 'HEAD') && request.headers.upgrade === undefined && !hasBody(request.raw)
}

export function ensureAwake (fastify: FastifyInstance, probeWith?: ProbeWith) {
  const { hostRouter, registry, lifecycle, clock, config, metrics, reconciler, visitorPages, settings, accounting, tracing } = fastify
  const exchanges = new Exchanges(registry, clock, (app, waited) => { metrics.requests.count(app.name, waited) })
  const expected = new ExpectedWakes(accounting.all)
  async function wake (route: AppRoute): Promise<void> {
    try {
      await lifecycle.wakeForRequest(route.record, route.policy.wake.waitForLinked === true)
    } catch (err) {
      throw err instanceof WakeError ? wakeError(err) : err
    }
  }

  /** Just started, the provider not listed yet: a Host not known yet waits a little for it, then is told so. */
  async function afterFirstListing (host: string | undefined): Promise<Route> {
    if (await reconciler.waitListed(DISCOVERY_WAIT_MS)) return hostRouter.route(host)
    throw discoveryPending()
  }

  /** The app of a route, or the error that says why there is none. */
  function appRoute (route: Route, request: FastifyRequest): AppRoute {
    if (route.kind === 'bad-host') throw badHost()
    if (route.kind === 'unknown') {
      // Someone on this machine asking 127.0.0.1 most likely wants the admin API.
      if (/^[\d.:[\]]+$/.test(route.key) && isLoopback(request.raw.socket?.remoteAddress)) throw adminIsElsewhere(route.key, config.ADMIN_HOST)
      throw unknownApp(route.key)
    }
    return route
  }

  /** Held for page_after first: an app that wakes quickly never shows the page. */
  async function heldOrPaged (waking: Promise<void>, pageAfterMs: number): Promise<'ready' | 'page'> {
    const timer = new AbortController()
    const first = await Promise.race([waking.then(() => 'ready' as const), sleep(pageAfterMs, 'page' as const, { signal: timer.signal }).catch(() => 'ready' as const)])
    timer.abort()
    return first
  }

  return async function ensureAwakeHandler (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const host = singleHost(request.raw.rawHeaders) ? request.headers.host : undefined
    const found = hostRouter.route(host)
    const route = appRoute(found.kind === 'unknown' && !reconciler.listed ? await afterFirstListing(host) : found, request)
    const app = route.record
    if (request.headers[STATUS_HEADER] !== undefined) {
      // The waiting page asks how the wake goes: answered here, never proxied, never activity.
      // What went wrong is the operator's (events, logs); the visitor's page learns that it did.
      const status: WakeStatus = { app: app.name, state: app.state, failed: app.state === 'failed', fallback: route.policy.wake.fallback ?? null }
      return reply.header('cache-control', 'no-store').send(status)
    }
    const passive = isPassive(route, request)
    const wakeOptions = route.policy.wake
    const navigation = app.state !== 'running' && isNavigation(request)
    // The warm path builds no facts: a running app is proxied, whatever the rest says.
    const outcome = app.state === 'running'
      ? PROXY_NOW
      : requestOutcome({
        app,
        wake: wakeOptions,
        navigation,
        passive,
        waking: lifecycle.isWaking(app.name),
        repeatable: isRepeatable(request),
        defaultStrategy: config.WAKE_STRATEGY,
        defaultPageAfterMs: settings.waitingPageAfterMs
      })
    if (outcome.kind === 'refuse') {
      if (outcome.reason === 'ignored') throw appIgnored(app.name)
      throw new PaastisError('APP_ASLEEP', `${app.name} is asleep, and this request does not wake it (whitelisted alias or ignored user agent)`, 60)
    }
    let wakeMs: number | undefined
    if (outcome.kind === 'wake') {
      const waitedFrom = performance.now()
      const waking = wake(route)
      // Offered as the wake's probe: once its answer went to its client, the request is served.
      let target: ProxyTarget | undefined
      const held = outcome.probe === true && probeWith !== undefined
        ? lifecycle.offerProbe(app.name, async (upstream, timeoutMs) => {
          target ??= { app, upstream, passive, end: exchanges.open(reply.raw, app, passive, true) }
          target.upstream = upstream
          target.wakeMs = Math.round(performance.now() - waitedFrom)
          return await probeWith(request, reply, target, timeoutMs)
        })
        : undefined
      const answered = async (): Promise<boolean> => {
        if (held === undefined || !await held.withdraw()) return false
        // Its answer leaves once the app is running: a request right after it finds it so.
        await waking.catch(() => {})
        tracing?.waited(request, app.name)
        target?.release?.()
        return true
      }
      try {
        if (outcome.pageAfterMs === undefined) await waking
        else if (await heldOrPaged(waking, outcome.pageAfterMs) === 'page') {
          waking.catch(() => {}) // the page polls for the outcome
          if (await answered()) return
          return reply.code(503).header('retry-after', '5').header('cache-control', 'no-store')
            .type('text/html; charset=utf-8').send(visitorPages.waiting(app.name, await expected.seconds(app.name), performance.now() - waitedFrom))
        }
      } catch (err) {
        // The app answered this request, then its wake failed (its record not saved): the answer
        // is sent all the same; the failure is the operator's (events, log).
        if (await answered()) return
        const failure = failureOutcome(err instanceof PaastisError ? err.code : undefined, wakeOptions, navigation)
        if (failure.kind === 'error') throw err
        if (failure.kind === 'redirect') return reply.code(307).header('location', failure.location).header('cache-control', 'no-store').send()
        request.paastis = { app, upstream: failure.upstream, passive: true, retried: true, fallback: true, end: target?.end ?? exchanges.open(reply.raw, app, true, false) }
        return
      }
      if (await answered()) return
      wakeMs = Math.round(performance.now() - waitedFrom)
      tracing?.waited(request, app.name)
      if (target !== undefined) {
        // Its probes found the app not ready; another request's (or the lifecycle's) found it ready.
        request.paastis = { ...target, upstream: app.upstream as string, wakeMs }
        return
      }
    }
    request.paastis = { app, upstream: app.upstream as string, wakeMs, passive, end: exchanges.open(reply.raw, app, passive, wakeMs !== undefined) }
  }
}
