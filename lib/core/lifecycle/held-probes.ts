// Held requests offered as their waking app's readiness probe. A just-booted app's first answers
// are its slowest: answering a probe and then the visitor costs the visitor about one more
// answer than answering the visitor alone. So a request that may be sent twice (GET or HEAD,
// no body) can be the probe itself: sent when the probe would be, its answer is its client's
// when it says ready (2xx–4xx; held until the app is saved as running). Only a refused
// connection keeps it the probe; any other ending (an answer not ready, which may be that path's
// own, a reset, the deadline, its client gone) withdraws it (`withdrawn`): it is proxied once the
// wake is over. One offer at a time is used, the oldest; the others wait for the wake as usual.
import type { ProbeAttempt, ProbeResult } from '../../proxy/probe'

export class HeldProbe {
  /** Its answer went to its client: the request is served. */
  answered = false
  private withdrawn = false
  private running: Promise<ProbeResult | 'withdrawn'> | undefined

  constructor (private readonly attempt: ProbeAttempt, private readonly remove: (probe: HeldProbe) => void) {}

  /** One try, unless the offer was withdrawn meanwhile. */
  async run (upstream: string, timeoutMs: number): Promise<ProbeResult | 'withdrawn'> {
    if (this.withdrawn) return 'withdrawn'
    this.running = this.attempt(upstream, timeoutMs)
    const result = await this.running
    this.running = undefined
    if (result === 'ready') this.answered = true
    if (result === 'ready' || result === 'withdrawn') this.withdrawOffer()
    return result
  }

  /** No more tries; resolves, once a try under way has ended, whether the request was answered. */
  async withdraw (): Promise<boolean> {
    this.withdrawOffer()
    if (this.running !== undefined) await this.running
    return this.answered
  }

  private withdrawOffer (): void {
    if (this.withdrawn) return
    this.withdrawn = true
    this.remove(this)
  }
}

export class HeldProbes {
  private readonly offers = new Map<string, HeldProbe[]>()

  /** Offers a held request of `name` as its probe; withdraw it once the wake is over. */
  offer (name: string, attempt: ProbeAttempt): HeldProbe {
    const probe = new HeldProbe(attempt, (gone) => { this.remove(name, gone) })
    const queue = this.offers.get(name)
    if (queue === undefined) this.offers.set(name, [probe])
    else queue.push(probe)
    return probe
  }

  /** The next probe of `name`'s readiness made of a held request, if one is offered. */
  next (name: string): ProbeAttempt | undefined {
    const probe = this.offers.get(name)?.[0]
    if (probe === undefined) return undefined
    return async (upstream, timeoutMs) => await probe.run(upstream, timeoutMs)
  }

  private remove (name: string, probe: HeldProbe): void {
    const queue = this.offers.get(name)
    if (queue === undefined) return
    const at = queue.indexOf(probe)
    if (at >= 0) queue.splice(at, 1)
    if (queue.length === 0) this.offers.delete(name)
  }
}
