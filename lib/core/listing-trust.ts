// A listing that loses every app, or more than half of them, at once is suspect (an API glitch,
// a token that lost its scope): it is believed only once enough checks in a row agree, so that a
// glitch never makes Paastis forget the apps it manages.
import type { Logger } from '../common/logger'

export class ListingTrust {
  /** Why the last listing is not believed, while it is not (readiness, metrics). */
  suspect: string | undefined
  private checksInARow = 0

  constructor (private readonly log: Logger, private readonly checksNeeded = 3) {}

  /** Whether a listing that lost `missing` of `known` apps may be believed now. */
  believe (missing: number, known: number): boolean {
    const suspect = missing > 0 && (missing === known || missing * 2 > known)
    if (!suspect) {
      if (this.suspect !== undefined) this.log.info('the provider lists the apps again: the suspect listing is over')
      this.end()
      return true
    }
    this.checksInARow++
    if (this.checksInARow >= this.checksNeeded) {
      this.log.warn(`the provider still lists ${known - missing} of ${known} apps after ${this.checksInARow} checks: forgetting ${missing}`)
      this.end()
      return true
    }
    this.suspect = `the provider's listing lost ${missing} of ${known} apps at once; kept until ${this.checksNeeded} checks in a row agree (${this.checksInARow} so far)`
    this.log.warn(this.suspect)
    return false
  }

  private end (): void {
    this.suspect = undefined
    this.checksInARow = 0
  }
}
