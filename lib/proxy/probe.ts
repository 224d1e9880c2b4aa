// The readiness probe: an app is ready when it really answers, not when its provider says it
// runs (PaaS routers answer 502/503 while an app boots). Hakuna ModProxy's `ping` shape.
import { performance } from 'node:perf_hooks'
import { setImmediate, setTimeout as sleep } from 'node:timers/promises'
import { request, type Dispatcher } from 'undici'
import type { Pattern } from '../common/pattern'

export interface ProbeSpec {
  method: string
  path: string
  /** Ready when any of the given regexes matches; with none given, `statusCode: ^[2-4]`. */
  statusCode?: Pattern
  headers?: Pattern
  body?: Pattern
  /** Extra wait once the probe passed (apps that answer before they are really warm). */
  settleMs?: number
}

/** An app that answers 2xx–4xx answers (a router's 502, an app's 503 while it boots do not). */
const ANSWERS = /^[2-4]/
// GET, not HEAD: undici closes a connection after a HEAD (servers that send a body to it exist),
// and the probe's connection is the one the first proxied request should find open.
export const DEFAULT_PROBE: ProbeSpec = { method: 'GET', path: '/', statusCode: ANSWERS }

/** Whether the upstream is on this machine (a `command` app): then a refusal means "not yet". */
export function isLocal (upstream: string): boolean {
  const { hostname } = new URL(upstream)
  return hostname === 'localhost' || hostname.startsWith('127.') || hostname === '[::1]'
}

/** Bodies beyond this are not read for the body regex. */
const MAX_BODY = 64 * 1024

/**
 * One readiness check. With `dispatcher` (the proxy's own pool), the connection the probe opens
 * stays alive for the first proxied request: a wake saves a connect to a just-booted app.
 */
export async function probe (upstream: string, spec: ProbeSpec, timeoutMs: number, dispatcher?: Dispatcher): Promise<boolean> {
  return await probeOnce(upstream, spec, timeoutMs, dispatcher) === 'ready'
}

/** One probe may take this long at most, however far the deadline is. */
export const PROBE_TIMEOUT_MS = 2000
/** Between two probes of a local app whose port still refuses connections. */
const LOCAL_REFUSED_RETRY_MS = 2
/** Between two probes of an app that answers but is not ready (a router's 502): from 10 ms, growing to this. */
export const NOT_READY_MAX_PAUSE_MS = 60

export interface ReadinessWait {
  /** performance.now() time by which the app must be ready. */
  deadline: number
  dispatcher?: Dispatcher
  /** Why the start has failed, when the provider knows it (a process that exited). */
  failure?: () => string | undefined
  /** A held request offered as the next probe, if any (see HeldProbes). */
  offered?: () => ProbeAttempt | undefined
}

/**
 * One probe made of a held request: sent to `upstream` and, when its answer says ready, that
 * answer is its client's. `withdrawn`: no probe any more (anything but a refusal or a ready answer),
 * or no longer offered.
 */
export type ProbeAttempt = (upstream: string, timeoutMs: number) => Promise<ProbeResult | 'withdrawn'>

/** The default probe's test of an answer's status, the one a held request's answer must pass. */
export function readyStatus (statusCode: number): boolean {
  return ANSWERS.test(String(statusCode))
}

/**
 * The pause before the next probe. A local app whose port refuses is asked again 2 ms later
 * (nothing listens yet: the refusal costs a syscall), so its first byte follows its first listen
 * closely. An app that answers without being ready — a PaaS router's 502 while the app boots, a
 * local app's 503 — is asked again after 10 ms, then less often, never less than every 60 ms: it
 * is answered at most ~60 ms (and a round trip) after it is ready, for at most 17 probes a second
 * while it boots (a 20 s boot: about 340 requests to the app's router, none to the provider's
 * API). A remote host that refuses connections is treated the same way.
 */
export function nextPause (result: Exclude<ProbeResult, 'ready'>, local: boolean, elapsedMs: number): number {
  if (result === 'refused' && local) return LOCAL_REFUSED_RETRY_MS
  return Math.min(NOT_READY_MAX_PAUSE_MS, 10 + elapsedMs / 20)
}

/**
 * Probes until the app is ready (the pauses of nextPause): resolves undefined then, `timeout` at
 * the deadline, or the provider's failure. A held request offered (`offered`) is sent instead of
 * the probe: a just-booted app then answers its first visitor once, not a probe and then the
 * visitor (its first answers are its slowest).
 */
export async function waitUntilReady (upstream: string, spec: ProbeSpec, wait: ReadinessWait): Promise<undefined | 'timeout' | { failure: string }> {
  const begin = performance.now()
  const local = isLocal(upstream)
  for (;;) {
    const failure = wait.failure?.()
    if (failure !== undefined) return { failure }
    const left = wait.deadline - performance.now()
    if (left <= 0) return 'timeout'
    const timeoutMs = Math.min(PROBE_TIMEOUT_MS, left)
    const attempt = wait.offered?.()
    const result = attempt === undefined ? await probeOnce(upstream, spec, timeoutMs, wait.dispatcher) : await attempt(upstream, timeoutMs)
    if (result === 'withdrawn') continue
    // A held request passed: its answer waits on its connection for its client, none to hand over.
    if (result === 'ready' && attempt !== undefined) return undefined
    if (result === 'ready') {
      if (spec.settleMs !== undefined) await sleep(Math.min(spec.settleMs, Math.max(0, wait.deadline - performance.now())))
      // undici puts the probe's connection back in its pool on the next turn of the event loop:
      // requests sent before then would open another connection to the just-booted app.
      else await setImmediate()
      return undefined
    }
    const pause = nextPause(result, local, performance.now() - begin)
    await sleep(Math.max(0, Math.min(pause, wait.deadline - performance.now())))
  }
}

/** `refused`: nothing listens yet (a booting local app is worth asking again at once). */
export type ProbeResult = 'ready' | 'refused' | 'not-ready'

export async function probeOnce (upstream: string, spec: ProbeSpec, timeoutMs: number, dispatcher?: Dispatcher): Promise<ProbeResult> {
  return await check(upstream, spec, timeoutMs, dispatcher).then((ready) => ready ? 'ready' : 'not-ready', (err: Error) => {
    const code = (err as NodeJS.ErrnoException).code ?? (err.cause as NodeJS.ErrnoException | undefined)?.code
    return code === 'ECONNREFUSED' ? 'refused' : 'not-ready'
  })
}

/** One request; throws when the app cannot be reached. */
async function check (upstream: string, spec: ProbeSpec, timeoutMs: number, dispatcher?: Dispatcher): Promise<boolean> {
  const response = await request(new URL(spec.path, upstream), {
    dispatcher,
    method: spec.method as 'GET',
    headers: { 'user-agent': 'paastis-readiness-probe' },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    signal: AbortSignal.timeout(timeoutMs)
  })
  if (spec.statusCode?.test(String(response.statusCode)) === true) {
    await response.body.dump()
    return true
  }
  if (spec.headers !== undefined) {
    const lines = Object.entries(response.headers).map(([name, value]) => `${name}: ${String(value)}`).join('\n')
    if (spec.headers.test(lines)) {
      await response.body.dump()
      return true
    }
  }
  if (spec.body === undefined) {
    await response.body.dump()
    return false
  }
  return spec.body.test(await readCapped(response.body))
}

async function readCapped (body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    chunks.push(chunk)
    size += chunk.length
    if (size >= MAX_BODY) {
      body.destroy()
      break
    }
  }
  return Buffer.concat(chunks).toString('utf8')
}
