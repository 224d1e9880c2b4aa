// Durations in config: a bare number is minutes (the original Paastis' unit), or a number with
// a unit (`500ms`, `30s`, `15m`, `2h`, `1d`). `never` disables the limit.
export const DURATION_PATTERN = '^\\s*(never|\\d+(\\.\\d+)?\\s*(ms|s|m|h|d)?)\\s*$'

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const DURATION_RE = new RegExp(DURATION_PATTERN)

/** Milliseconds, or `null` for `never`. Throws on anything else. */
export function parseDuration (value: string | number, defaultUnit: 'm' | 's' = 'm'): number | null {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new Error(`invalid duration ${value}`)
    return value * UNIT_MS[defaultUnit]
  }
  const match = DURATION_RE.exec(value)
  if (match === null) {
    throw new Error(`invalid duration "${value}" (expected minutes such as 15, or 30s, 15m, 2h, 1d, or never)`)
  }
  if (match[1] === 'never') return null
  const amount = Number.parseFloat(match[1])
  return Math.round(amount * UNIT_MS[match[3] ?? defaultUnit])
}

/** Like parseDuration, for settings where `never` makes no sense. */
export function parseFiniteDuration (value: string | number, defaultUnit: 'm' | 's' = 's'): number {
  const ms = parseDuration(value, defaultUnit)
  if (ms === null) throw new Error('"never" is not allowed here')
  return ms
}

export function formatDuration (ms: number | null): string {
  if (ms === null) return 'never'
  if (ms % 86_400_000 === 0 && ms > 0) return `${ms / 86_400_000}d`
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`
  if (ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}
