// Counts every provider call and error per operation, for /metrics and for tests that check the
// warm path makes none. Wraps any provider without it knowing.
import type { AppRecord, Formation } from '../lib/core/app-record'
import type { Provider, ProviderApp, ProviderOperation } from '../lib/core/provider'

export interface CallCount {
  calls: number
  errors: number
}

export class InstrumentedProvider implements Provider {
  readonly counts: Record<ProviderOperation, CallCount> = {
    list: { calls: 0, errors: 0 },
    start: { calls: 0, errors: 0 },
    stop: { calls: 0, errors: 0 }
  }

  /** `name`: the provider's name in `providers:`, when it has one. */
  constructor (private current: Provider, private readonly ownName?: string) {}

  get inner (): Provider {
    return this.current
  }

  /** A reloaded paastis.yml changed the providers: calls go to the new ones from now on. */
  replace (inner: Provider): void {
    this.current = inner
  }

  get name (): string {
    return this.ownName ?? this.inner.name
  }

  list (): Promise<ProviderApp[]> {
    return this.count('list', () => this.inner.list())
  }

  start (app: AppRecord): Promise<void> {
    return this.count('start', () => this.inner.start(app))
  }

  stop (app: AppRecord): Promise<Formation | undefined> {
    return this.count('stop', () => this.inner.stop(app))
  }

  failure (app: AppRecord): string | undefined {
    return this.inner.failure?.(app)
  }

  diagnose (app: AppRecord): string | undefined {
    return this.inner.diagnose?.(app)
  }

  unlisted (app: AppRecord): boolean {
    return this.inner.unlisted?.(app) ?? false
  }

  conflicts (): ReadonlyMap<string, readonly string[]> {
    return this.inner.conflicts?.() ?? new Map()
  }

  close (): Promise<void> {
    return this.inner.close()
  }

  private async count<T> (operation: ProviderOperation, call: () => Promise<T>): Promise<T> {
    this.counts[operation].calls++
    try {
      return await call()
    } catch (err) {
      this.counts[operation].errors++
      throw err
    }
  }
}
