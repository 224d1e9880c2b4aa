// The items open right now, each in a numbered slot of an array: adding gives the slot, freeing
// it takes the slot back. Not a Set, for what lives long and changes at request rate: V8 links
// each table a Set outgrows to the next one, its entries included (for iterators), so a Set that
// gains and loses one item per request keeps every item it held alive until a full collection.
// Every proxied request's objects then outlived the young generation (BENCHMARKS.md).

export class Slots<T extends object> {
  private readonly items: Array<T | undefined> = []
  private readonly free: number[] = []
  private count = 0

  /** Keeps the item; its slot frees it. */
  add (item: T): number {
    const slot = this.free.pop() ?? this.items.length
    this.items[slot] = item
    this.count++
    return slot
  }

  /** Frees the slot if it still holds this item (a slot cleared and given again is another's). */
  delete (slot: number, item: T): void {
    if (this.items[slot] !== item) return
    this.items[slot] = undefined
    this.count--
    if (this.count === 0) this.clear()
    else this.free.push(slot)
  }

  get size (): number {
    return this.count
  }

  /** The items held now, in no particular order. */
  values (): T[] {
    const held: T[] = []
    for (const item of this.items) if (item !== undefined) held.push(item)
    return held
  }

  clear (): void {
    this.items.length = 0
    this.free.length = 0
    this.count = 0
  }
}
