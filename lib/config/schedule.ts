// When an app is kept awake whatever its idleness (`keep_awake` windows), started before its
// first visitor (`prewarm`) and stopped whatever its activity (`sleep_at`), in the wall-clock
// time of an IANA zone. croner computes the instants, daylight saving changes included: a window
// of "Mon-Fri 08:00-19:00" in Europe/Paris opens at 07:00 UTC in winter and 06:00 UTC in summer.
import { Cron } from 'croner'

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']
const WINDOW = /^\s*(\*|[A-Za-z]{3}(?:\s*-\s*[A-Za-z]{3})?(?:\s*,\s*[A-Za-z]{3}(?:\s*-\s*[A-Za-z]{3})?)*)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/

/** One keep-awake window: the crons of its opening and its closing. */
export interface Window { spec: string, open: Cron, close: Cron }

export interface Schedule {
  timezone: string
  windows: Window[]
  prewarm: boolean
  sleepAt?: Cron
  /** The sleep_at expression as written. */
  sleepAtSpec?: string
}

const cron = (pattern: string, timezone: string): Cron => new Cron(pattern, { timezone, paused: true })

/** Checks an IANA zone name; throws with the reason. */
export function checkTimezone (timezone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone }).format(0)
  } catch {
    throw new Error(`"${timezone}" is not an IANA time zone (Europe/Paris, America/New_York, UTC)`)
  }
}

/** Day names of a window (`Mon-Fri`, `Sat,Sun`, `*`) as cron day numbers, wrapping ranges (Fri-Mon). */
function days (spec: string): number[] {
  if (spec === '*') return [0, 1, 2, 3, 4, 5, 6]
  const out = new Set<number>()
  for (const part of spec.split(',')) {
    const [from, to] = part.split('-').map((day) => DAYS.indexOf(day.trim().toLowerCase()))
    if (from < 0 || to < 0) throw new Error(`"${part.trim()}" is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)`)
    if (to === undefined) {
      out.add(from)
      continue
    }
    for (let day = from; ; day = (day + 1) % 7) {
      out.add(day)
      if (day === to) break
    }
  }
  return [...out].sort()
}

/** `Mon-Fri 08:00-19:00` → its open and close crons; a window past midnight closes the next day. */
export function parseWindow (spec: string, timezone: string): Window {
  const match = WINDOW.exec(spec)
  if (match === null) throw new Error(`"${spec}" is not a window such as "Mon-Fri 08:00-19:00"`)
  const [, daySpec, openH, openM, closeH, closeM] = match
  const [oh, om, ch, cm] = [openH, openM, closeH, closeM].map(Number)
  if (oh > 23 || ch > 24 || om > 59 || cm > 59 || (ch === 24 && cm !== 0)) throw new Error(`"${spec}": hours are 00:00 to 24:00`)
  const open = days(daySpec)
  const overnight = ch * 60 + cm <= oh * 60 + om || ch === 24
  const close = overnight ? open.map((day) => (day + 1) % 7) : open
  return {
    spec,
    open: cron(`${om} ${oh} * * ${open.join(',')}`, timezone),
    close: cron(`${cm} ${ch % 24} * * ${close.join(',')}`, timezone)
  }
}

export function parseSleepAt (expression: string, timezone: string): Cron {
  try {
    return cron(expression, timezone)
  } catch (err) {
    throw new Error(`"${expression}" is not a cron expression (${(err as Error).message})`)
  }
}

/** The last run at or before `now` (croner counts whole seconds, and excludes its reference). */
const lastRun = (job: Cron, now: number): number => job.previousRuns(1, new Date(now + 1000))[0]?.getTime() ?? -Infinity

/** When the window `now` is in closes (epoch ms), or undefined outside every window. */
export function keptAwakeUntil (schedule: Schedule | undefined, now: number): number | undefined {
  let until: number | undefined
  for (const window of schedule?.windows ?? []) {
    // A close and an open at the same instant (Fri-Mon 00:00-24:00): one window follows another.
    const opened = lastRun(window.open, now)
    if (opened === -Infinity || opened < lastRun(window.close, now)) continue
    const closes = window.close.nextRun(new Date(now))?.getTime()
    if (closes !== undefined && (until === undefined || closes > until)) until = closes
  }
  return until
}

/** Whether a window opened in (since, now]: a prewarm is due. */
export function windowOpened (schedule: Schedule | undefined, since: number, now: number): boolean {
  return (schedule?.windows ?? []).some((window) => lastRun(window.open, now) > since)
}

/** Whether sleep_at fired in (since, now]. */
export function sleepDue (schedule: Schedule | undefined, since: number, now: number): boolean {
  return schedule?.sleepAt !== undefined && lastRun(schedule.sleepAt, now) > since
}

/** The next sleep_at instant after `now`. */
export function nextSleep (schedule: Schedule | undefined, now: number): number | undefined {
  return schedule?.sleepAt?.nextRun(new Date(now))?.getTime()
}

/** 19:00 in the schedule's zone, as people read it. */
export function wallClock (at: number, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(at)
}
