// The app record shared by the registry, the lifecycle, the scheduler and the admin API.

export const APP_STATES = ['running', 'stopped', 'starting', 'stopping', 'failed', 'unknown'] as const
export type AppState = typeof APP_STATES[number]

/** Process types and amounts, remembered at stop so that a start restores them. */
export type Formation = Record<string, number>

export interface AppRecord {
  /** The app's name at its provider. */
  name: string
  provider: string
  /** The app's name at its provider, when its key differs (a provider's `app_prefix` or `domain`). */
  appName?: string
  /** The provider's own id of the app, when it differs from the name (Clever Cloud). */
  providerId?: string
  /** The account or organisation that owns the app (Clever Cloud). */
  owner?: string
  region?: string
  /** Where the app answers, from the provider. */
  upstream?: string
  /** Extra vhosts routed to the app besides `<name>.<anything>`. */
  hosts: string[]
  state: AppState
  /** Epoch milliseconds. */
  lastActivityAt: number
  /** Milliseconds; `null` = never stopped for idleness. */
  maxIdleTimeMs: number | null
  linkedApps: string[]
  formation?: Formation
  ignored: boolean
  /** The patterns of the rules that shaped this app, in the order they applied. */
  rules: string[]
  /** Why the last start failed, as visitors may read it. */
  lastError?: string
  /** What the app itself said (its last error output): for operators only. */
  lastErrorDetail?: string
  /** Consecutive failed wakes; a success resets it. */
  failedWakes?: number
  /** Epoch milliseconds before which a request does not try to wake the app again. */
  nextWakeAt?: number
  /**
   * Epoch milliseconds until which the app is kept awake whatever its idleness (a pin); null once
   * unpinned (a value, not an absent key, so that the other replicas' copies lose it too).
   */
  pinnedUntil?: number | null
  /**
   * DRY_RUN: when Paastis found it would stop the app (epoch ms); cleared once a request would
   * have woken it. State, not configuration: one would_stop per idle period.
   */
  wouldStopAt?: number | null
}
