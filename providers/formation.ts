// Formations (process types and amounts) for the providers that scale by process type.
import type { Formation } from '../lib/core/app-record'

/** What a start scales to: the formation remembered at stop, else the current one with a web. */
export function formationToStart (remembered: Formation | undefined, current: Formation): Formation {
  if (remembered !== undefined && Object.values(remembered).some((amount) => amount > 0)) return remembered
  // Never stopped by Paastis and at 0: a web process is the least an app needs to answer.
  return { ...current, web: Math.max(current.web ?? 0, 1) }
}

export function isStopped (formation: Formation): boolean {
  return Object.values(formation).every((amount) => amount === 0)
}

export function zeroed (formation: Formation): Formation {
  return Object.fromEntries(Object.keys(formation).map((type) => [type, 0]))
}

export function sameFormation (wanted: Formation, current: Formation): boolean {
  return Object.entries(wanted).every(([type, amount]) => (current[type] ?? 0) === amount)
}
