// An app as operators read it in the admin API (and so in the dashboard and the CLI): its record
// with dates as ISO strings, its idle time in words, the time left before an idle stop, its
// schedule said in its own zone, and its accounting. Display only: no rule is decided here.
import type { AppAccount } from './accounting'
import type { AppRecord } from './app-record'
import { idleDeadline } from './idle'
import { formatDuration } from '../common/duration'
import { keptAwakeUntil, nextSleep, wallClock, type Schedule } from '../config/schedule'

/** keep_awake and sleep_at as the operator reads them: "kept awake until Fri 19:00". */
export function scheduleView (schedule: Schedule | undefined, keptUntil: number | undefined, now: number) {
  if (schedule === undefined) return undefined
  const sleepsAt = nextSleep(schedule, now)
  const { timezone } = schedule
  const parts = [
    keptUntil === undefined ? (schedule.windows.length > 0 ? 'outside its keep_awake windows' : undefined) : `kept awake until ${wallClock(keptUntil, timezone)}`,
    sleepsAt === undefined ? undefined : `stopped at ${wallClock(sleepsAt, timezone)}`
  ].filter((part) => part !== undefined)
  return {
    timezone,
    keepAwake: schedule.windows.map((window) => window.spec),
    prewarm: schedule.prewarm,
    sleepAt: schedule.sleepAtSpec ?? null,
    keptAwakeUntil: keptUntil === undefined ? null : new Date(keptUntil).toISOString(),
    nextSleepAt: sleepsAt === undefined ? null : new Date(sleepsAt).toISOString(),
    summary: `${parts.join('; ')} (${timezone})`
  }
}

/** `url`: where people open it (app-url.ts), null when Paastis cannot know. */
export function appView (app: AppRecord, schedule: Schedule | undefined, account: AppAccount | undefined, now: number, url: string | null = null) {
  const keptUntil = keptAwakeUntil(schedule, now)
  const deadline = idleDeadline(app, keptUntil)
  return {
    accounting: account === undefined
      ? undefined
      : {
          firstSeenAt: account.firstSeenAt,
          runningSeconds: account.runningSeconds,
          asleepSeconds: account.asleepSeconds,
          wakes: account.wakes,
          failedWakes: account.failedWakes,
          medianWakeMs: account.medianWakeMs,
          lastStartAt: account.lastStartAt,
          lastStopAt: account.lastStopAt
        },
    ...app,
    url,
    lastActivityAt: new Date(app.lastActivityAt).toISOString(),
    nextWakeAt: app.nextWakeAt === undefined ? undefined : new Date(app.nextWakeAt).toISOString(),
    pinnedUntil: app.pinnedUntil == null || app.pinnedUntil <= now ? null : new Date(app.pinnedUntil).toISOString(),
    maxIdleTime: formatDuration(app.maxIdleTimeMs),
    // Only a running app is stopped when idle: a stopped or failed one has nothing left to count.
    timeLeftMs: deadline === null || (app.state !== 'running' && app.state !== 'starting') ? null : Math.max(0, deadline - now),
    schedule: scheduleView(schedule, keptUntil, now)
  }
}
