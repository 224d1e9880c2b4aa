// Columns padded to their widest cell, as `paastis check` prints them.
export function table (header: string[], rows: string[][]): string {
  const all = [header, ...rows]
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)))
  return all.map((row) => row.map((cell, i) => (cell ?? '').padEnd(widths[i])).join('  ').trimEnd()).join('\n')
}

/** 3723 s → "1h 2m"; 42 s → "42s". */
export function span (seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '–'
  if (seconds < 60) return `${Math.round(seconds)}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m`
  const hours = Math.floor(minutes / 60)
  return minutes % 60 === 0 ? `${hours}h` : `${hours}h ${minutes % 60}m`
}

/**
 * Hours with at most two decimals: 20 → "20", 1.5 → "1.5"; a little under the smallest step is
 * "<0.01", never "0": an app's few minutes asleep must not read as none beside a total that counts them.
 */
export function hours (value: number): string {
  if (value > 0 && value < 0.005) return '<0.01'
  return String(Math.round(value * 100) / 100)
}
