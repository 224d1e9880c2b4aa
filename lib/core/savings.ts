// Hours asleep turned into what they saved: the accounts of a period, in hours, with each app's
// `cost_per_hour` when its rules give one.
import type { AppAccount } from './accounting'

export interface AppSavings {
  app: string
  hoursAsleep: number
  hoursRunning: number
  costPerHour: number | null
  saved: number | null
  /** DRY_RUN: the hours it ran but would have slept, and what they would have saved. */
  hoursWouldSleep: number
  wouldHaveSaved: number | null
  days: Array<{ date: string, hoursAsleep: number, hoursRunning: number }>
}

export interface Savings {
  from: string
  to: string
  hoursAsleep: number
  hoursRunning: number
  /** Sum of the apps that have a cost; null when none has. */
  saved: number | null
  /** DRY_RUN: what stopping the idle apps would have saved (hours they ran but would have slept). */
  hoursWouldSleep: number
  wouldHaveSaved: number | null
  apps: AppSavings[]
  days: Array<{ date: string, hoursAsleep: number, saved: number | null }>
}

/** Hours to 4 decimals (a third of a second): exact for whole minutes, stable in JSON. */
const hours = (seconds: number): number => Math.round(seconds / 3.6) / 1000
const money = (value: number): number => Math.round(value * 100) / 100

export function savings (accounts: Iterable<AppAccount>, costPerHour: (app: string) => number | undefined, from: number, to: number): Savings {
  const apps: AppSavings[] = []
  const days = new Map<string, { date: string, asleepSeconds: number, saved: number | null }>()
  let runningSeconds = 0
  let wouldSleepSeconds = 0
  for (const account of accounts) {
    runningSeconds += account.runningSeconds
    wouldSleepSeconds += account.wouldSleepSeconds
    const cost = costPerHour(account.app) ?? null
    apps.push({
      app: account.app,
      hoursAsleep: hours(account.asleepSeconds),
      hoursRunning: hours(account.runningSeconds),
      costPerHour: cost,
      saved: cost === null ? null : money(cost * account.asleepSeconds / 3600),
      hoursWouldSleep: hours(account.wouldSleepSeconds),
      wouldHaveSaved: cost === null ? null : money(cost * account.wouldSleepSeconds / 3600),
      days: account.days.map((day) => ({ date: day.date, hoursAsleep: hours(day.asleepSeconds), hoursRunning: hours(day.runningSeconds) }))
    })
    for (const day of account.days) {
      const total = days.get(day.date) ?? { date: day.date, asleepSeconds: 0, saved: null }
      total.asleepSeconds += day.asleepSeconds
      if (cost !== null) total.saved = (total.saved ?? 0) + cost * day.asleepSeconds / 3600
      days.set(day.date, total)
    }
  }
  apps.sort((a, b) => b.hoursAsleep - a.hoursAsleep || a.app.localeCompare(b.app))
  const costed = apps.filter((app) => app.saved !== null)
  const asleepSeconds = [...days.values()].reduce((sum, day) => sum + day.asleepSeconds, 0)
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    hoursAsleep: hours(asleepSeconds),
    hoursRunning: hours(runningSeconds),
    saved: costed.length === 0 ? null : money(costed.reduce((sum, app) => sum + (app.saved ?? 0), 0)),
    hoursWouldSleep: hours(wouldSleepSeconds),
    wouldHaveSaved: costed.length === 0 ? null : money(costed.reduce((sum, app) => sum + (app.wouldHaveSaved ?? 0), 0)),
    apps,
    days: [...days.values()].sort((a, b) => a.date.localeCompare(b.date))
      .map((day) => ({ date: day.date, hoursAsleep: hours(day.asleepSeconds), saved: day.saved === null ? null : money(day.saved) }))
  }
}
