// What the lifecycle tells of a wake, for traces: a span of the whole wake with one per phase
// (the provider's start, the readiness wait). The core owns this interface; plugins/tracing.ts
// implements it with OpenTelemetry when an OTLP endpoint is set, and without one nothing is done.
import type { AppRecord } from './app-record'

export type WakePhase = 'provider' | 'readiness'

export interface WakeTrace {
  /** A phase begins; the function returned ends it, with the error that ended it if any. */
  phase(name: WakePhase): (error?: Error) => void
  /** The wake is over: started, or failed with `error`. */
  end(error?: Error): void
}

export interface WakeTracing {
  begin(app: AppRecord, cause: string): WakeTrace
}

const NO_PHASE = (): void => {}
const NO_TRACE: WakeTrace = { phase: () => NO_PHASE, end: () => {} }

/** Tracing off: nothing recorded, nothing allocated. */
export const NO_TRACING: WakeTracing = { begin: () => NO_TRACE }
