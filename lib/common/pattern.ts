// The patterns of paastis.yml (rule patterns, ignore_user_agents, ping regexes) run on what
// strangers send — a Host, a User-Agent — so they run on RE2's engine (re2js, a port of RE2 to
// JavaScript): time linear in the input, whatever the pattern. `^(\d|\w)*-preview$` against 30
// digits costs what it costs against 3. RE2 has no lookaround and no backreference: such a
// pattern is refused when paastis.yml is read, with the reason.
import { RE2JS } from 're2js'

/** What Paastis asks of a pattern; a RegExp has the same shape (the built-in defaults are ones). */
export interface Pattern {
  readonly source: string
  test (text: string): boolean
  /** The whole match and its groups (`undefined` for a group that took no part), or null. */
  exec (text: string): Array<string | undefined> | null
}

class LinearPattern implements Pattern {
  private readonly re2: RE2JS

  constructor (readonly source: string) {
    this.re2 = RE2JS.compile(source)
  }

  test (text: string): boolean {
    return this.re2.matcher(text).find()
  }

  exec (text: string): Array<string | undefined> | null {
    const matcher = this.re2.matcher(text)
    if (!matcher.find()) return null
    const groups: Array<string | undefined> = []
    for (let i = 0; i <= matcher.groupCount(); i++) groups.push(matcher.group(i) ?? undefined)
    return groups
  }
}

/** Throws RE2's reason when the pattern is not RE2 syntax. */
export function linearPattern (source: string): Pattern {
  return new LinearPattern(source)
}
