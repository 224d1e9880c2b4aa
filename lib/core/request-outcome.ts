// What a proxied request gets, decided from what is known of it and of its app: proxied now,
// held while its app wakes (or shown the waiting page after a while), or refused with which
// error. Pure: the preHandler (hooks/ensure-awake.ts) gathers the facts, calls this, and
// translates the outcome into Fastify; the table of cases is tested here, without sockets.
import type { AppRecord } from './app-record'
import type { WakeOptions } from '../config/rules'

export interface RequestFacts {
  app: AppRecord
  /** The app's wake options (its rules). */
  wake: WakeOptions
  /** WAKE_STRATEGY, when the rules do not say. */
  defaultStrategy: 'hold' | 'page'
  /** WAITING_PAGE_AFTER in ms, when the rules do not say. */
  defaultPageAfterMs: number
  /** A top-level browser navigation (the only request that may get the waiting page). */
  navigation: boolean
  /** A whitelisted alias or an ignored user agent: it never wakes the app. */
  passive: boolean
  /** Another start of the app is under way (Paastis's or one being adopted). */
  waking: boolean
  /** A GET or HEAD without a body or an upgrade: it may be sent again if it finds the app not ready. */
  repeatable: boolean
}

export type RequestOutcome =
  | { kind: 'proxy' }
  | { kind: 'refuse', reason: 'ignored' | 'asleep' }
  /**
   * Wait for the wake; with `pageAfterMs`, answer the waiting page if it takes longer; with
   * `probe`, offer the request as the wake's readiness probe (lifecycle/held-probes.ts).
   */
  | { kind: 'wake', pageAfterMs?: number, probe?: true }

export function requestOutcome (facts: RequestFacts): RequestOutcome {
  const { app, wake } = facts
  if (app.state === 'running') return { kind: 'proxy' }
  // An ignored app is never started by Paastis, but one starting elsewhere may be waited for.
  if (app.ignored && !facts.waking) return { kind: 'refuse', reason: 'ignored' }
  if (facts.passive) return { kind: 'refuse', reason: 'asleep' }
  const page = (wake.strategy ?? facts.defaultStrategy) === 'page' && facts.navigation
  const held: RequestOutcome = page ? { kind: 'wake', pageAfterMs: wake.pageAfterMs ?? facts.defaultPageAfterMs } : { kind: 'wake' }
  // The probe's test is the default one's; an answer that waited for no linked app must not be sent.
  return facts.repeatable && wake.ping === undefined && wake.waitForLinked !== true ? { ...held, probe: true } : held
}

/** The wake failures a rule's `fallback` answers for. */
const FALLBACK_CODES: ReadonlySet<string> = new Set(['WAKE_FAILED', 'WAKE_TIMEOUT', 'WAKE_BACKOFF'])

export type FailureOutcome =
  | { kind: 'error' }
  /** Browsers are sent to the rule's fallback. */
  | { kind: 'redirect', location: string }
  /** Other clients are proxied there only when the rule says so (an API's failover). */
  | { kind: 'proxy', upstream: string }

/** What a request whose wake failed with `code` gets. */
export function failureOutcome (code: string | undefined, wake: WakeOptions, navigation: boolean): FailureOutcome {
  if (wake.fallback === undefined || code === undefined || !FALLBACK_CODES.has(code)) return { kind: 'error' }
  if (navigation) return { kind: 'redirect', location: wake.fallback }
  return wake.fallbackProxy === true ? { kind: 'proxy', upstream: wake.fallback } : { kind: 'error' }
}
