// What Paastis will stop, said before it stops anything: at start, after a reload and in
// `paastis check`. Only traffic through Paastis counts as activity, so an app served on its own
// domain looks idle: the operator reads the names and the way to try it safely first.
import type { AppRecord } from './app-record'
import { formatDuration } from '../common/duration'
import type { Logger } from '../common/logger'

const SHOWN = 20

export interface StopPlan {
  /** Apps that will be stopped when idle (managed, with an idle time). */
  stoppable: AppRecord[]
  /** Apps left alone: ignored, not named in opt-in mode, or `never`. */
  leftAlone: number
}

export function stopPlan (records: Iterable<AppRecord>): StopPlan {
  const stoppable: AppRecord[] = []
  let leftAlone = 0
  for (const record of records) {
    if (record.ignored || record.maxIdleTimeMs === null) leftAlone++
    else stoppable.push(record)
  }
  stoppable.sort((a, b) => a.name.localeCompare(b.name))
  return { stoppable, leftAlone }
}

/** The sentences an operator reads: how many, which (the first 20), and what counts. */
export function describeStopPlan (plan: StopPlan, options: { dryRun: boolean, optIn: boolean }): string[] {
  const count = plan.stoppable.length
  const names = plan.stoppable.slice(0, SHOWN).map((record) => `${record.name} (${formatDuration(record.maxIdleTimeMs)})`).join(', ')
  const more = count > SHOWN ? ` and ${count - SHOWN} more` : ''
  const verb = options.dryRun ? 'would be stopped when idle (DRY_RUN: none will be; each stop is recorded as would_stop)' : 'will be stopped when idle'
  const lines = [count === 0
    ? `No app ${options.dryRun ? 'would be' : 'will be'} stopped: ${plan.leftAlone} left alone.`
    : `${count} app${count === 1 ? '' : 's'} ${verb}: ${names}${more}; ${plan.leftAlone} left alone.`]
  if (count > 0) {
    lines.push('Only requests through Paastis count as activity: an app served on its own domain looks idle to Paastis and will be stopped.')
    if (!options.dryRun && !options.optIn) lines.push('To try Paastis safely, set DRY_RUN=true first, or MANAGE_APPS=opt-in to manage only the apps your rules name.')
  }
  return lines
}

/** Says the plan in the log: a warning while something will be stopped, else information. */
export function logStopPlan (log: Pick<Logger, 'warn' | 'info'>, records: Iterable<AppRecord>, options: { dryRun: boolean, optIn: boolean }): void {
  const plan = stopPlan(records)
  for (const line of describeStopPlan(plan, options)) log[plan.stoppable.length > 0 ? 'warn' : 'info'](line)
}
