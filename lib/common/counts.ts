// A count per name that forgets a name at zero: requests in flight, holds, waiters.
export class Counts {
  private readonly counts = new Map<string, number>()

  add (name: string): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1)
  }

  remove (name: string): void {
    const left = (this.counts.get(name) ?? 1) - 1
    if (left <= 0) this.counts.delete(name)
    else this.counts.set(name, left)
  }

  /** Forgets the name, whatever its count. */
  forget (name: string): void {
    this.counts.delete(name)
  }

  get (name: string): number {
    return this.counts.get(name) ?? 0
  }

  has (name: string): boolean {
    return this.counts.has(name)
  }

  /** Every name with a count above zero. */
  get all (): ReadonlyMap<string, number> {
    return this.counts
  }
}
