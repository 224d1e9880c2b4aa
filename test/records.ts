// App records for tests: one shape, the fields a test cares about given.
import type { AppRecord } from '../lib/core/app-record'

export function appRecord (name: string, extra: Partial<AppRecord> = {}): AppRecord {
  return { name, provider: 'test', hosts: [], state: 'stopped', lastActivityAt: 1000, maxIdleTimeMs: 60_000, linkedApps: [], ignored: false, rules: [], ...extra }
}
