// The one interface every provider implements, owned by the domain (providers/ implements it).
// Providers are called by the lifecycle and the reconciler only, never on the request path of a
// running app.
import type { AppRecord, Formation } from './app-record'
import type { Rule } from '../config/rules'

/** `failed`: the provider holds the app down after a start that failed (it serves nothing). */
export type ProviderState = 'running' | 'stopped' | 'starting' | 'stopping' | 'failed' | 'unknown'

export interface ProviderApp {
  name: string
  /** Set by a ProviderSet: the member that lists the app, and its name there when it differs. */
  provider?: string
  appName?: string
  providerId?: string
  owner?: string
  state: ProviderState
  /** Why the provider reports it `failed`, for operators. */
  detail?: string
  upstream?: string
  region?: string
  /** Current process types and amounts, when the provider reports them. */
  formation?: Formation
  /** The rule the app carries itself (a container's labels), applied after paastis.yml's. */
  rule?: Rule
}

export const PROVIDER_OPERATIONS = ['list', 'start', 'stop'] as const
export type ProviderOperation = typeof PROVIDER_OPERATIONS[number]

export interface Provider {
  readonly name: string
  /** Every app of the account, in as few API calls as the provider allows. */
  list(): Promise<ProviderApp[]>
  /** Starts the app (restoring `app.formation`); resolves once the provider reports it started. */
  start(app: AppRecord): Promise<void>
  /** Stops the app; resolves with the formation to restore at the next start. */
  stop(app: AppRecord): Promise<Formation | undefined>
  /** A cheap, local check while waiting for readiness: why the start has failed, if known. */
  failure(app: AppRecord): string | undefined
  /** For operators only (events, admin API, log; never a visitor): what the app said last, if anything. */
  diagnose(app: AppRecord): string | undefined
  /** Releases what the provider holds (connections, processes it spawned). */
  close(): Promise<void>
}

/** An error from a provider, naming the provider, the operation and the app. */
export class ProviderError extends Error {
  constructor (
    readonly provider: string,
    readonly operation: string,
    readonly app: string | undefined,
    reason: string,
    readonly statusCode?: number
  ) {
    super(`${provider} ${operation}${app === undefined ? '' : ` ${app}`}: ${reason}`)
    this.name = 'ProviderError'
  }
}
