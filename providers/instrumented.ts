// Counts every provider call and error per operation, for /metrics and for tests that check the
// warm path makes none. Wraps any provider without it knowing.
import type { AppRecord, Formation } from '../lib/core/app-record'
import type { Provider, ProviderApp, ProviderOperation } from '../lib/core/provider'
import type { ProviderGroup } from '../lib/core/provider-set'

export interface CallCount {
  calls: number
  errors: number
}

export class InstrumentedProvider<P extends Provider = Provider> implements Provider {
  readonly counts: Record<ProviderOperation, CallCount> = {
    list: { calls: 0, errors: 0 },
    start: { calls: 0, errors: 0 },
    stop: { calls: 0, errors: 0 }
  }

  /** `name`: the provider's name in `providers:`, when it has one. */
  constructor (private current: P, private readonly ownName?: string) {}

  get inner (): P {
    return this.current
  }

  /** A reloaded paastis.yml changed the providers: calls go to the new ones from now on. */
  replace (inner: P): void {
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
    return this.inner.failure(app)
  }

  diagnose (app: AppRecord): string | undefined {
    return this.inner.diagnose(app)
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

/** The configuration's providers, counted as one (the members count their own calls too). */
export class InstrumentedGroup extends InstrumentedProvider<ProviderGroup> implements ProviderGroup {
  get members (): ProviderGroup['members'] {
    return this.inner.members
  }

  get failures (): ProviderGroup['failures'] {
    return this.inner.failures
  }

  unlisted (app: AppRecord): boolean {
    return this.inner.unlisted(app)
  }

  conflicts (): ReadonlyMap<string, readonly string[]> {
    return this.inner.conflicts()
  }
}
