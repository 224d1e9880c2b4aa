// The rules of paastis.yml, with the original Paastis' semantics: every rule whose (unanchored)
// pattern matches the key applies, in file order, and a later rule overrides an earlier one.

export interface Rule {
  pattern: string
  regex: RegExp
  appName?: string
  maxIdleTimeMs?: number | null
  linkedApps?: string[]
  ignore?: boolean
}

export interface Resolution {
  /** The app's name at the provider. */
  name: string
  maxIdleTimeMs?: number | null
  linkedApps: string[]
  ignore: boolean
  /** Patterns of the rules that applied. */
  rules: string[]
}

/** Replaces `$1`…`$n` with the match's groups; `$12` is group 12, never group 1 then "2". */
export function interpolate (template: string, match: RegExpExecArray): string {
  return template.replace(/\$(\d+)/g, (whole, index: string) => {
    const group = match[Number(index)]
    return group === undefined ? whole : group
  })
}

export class Rules {
  constructor (readonly rules: readonly Rule[] = []) {}

  resolve (key: string): Resolution {
    const resolution: Resolution = { name: key, linkedApps: [], ignore: false, rules: [] }
    for (const rule of this.rules) {
      const match = rule.regex.exec(key)
      if (match === null) continue
      resolution.rules.push(rule.pattern)
      if (rule.appName !== undefined) resolution.name = interpolate(rule.appName, match)
      if (rule.maxIdleTimeMs !== undefined) resolution.maxIdleTimeMs = rule.maxIdleTimeMs
      if (rule.linkedApps !== undefined) resolution.linkedApps = rule.linkedApps.map((app) => interpolate(app, match))
      if (rule.ignore !== undefined) resolution.ignore = rule.ignore
    }
    return resolution
  }
}
