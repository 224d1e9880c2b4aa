// The held requests offered as a wake's probe: the oldest is used, one at a time; a withdrawal
// waits for a try under way and says whether the request was answered; a request answered or
// gone is no longer offered.
import t from 'tap'
import { HeldProbes } from '../../../../lib/core/lifecycle/held-probes'
import type { ProbeResult } from '../../../../lib/proxy/probe'

type Result = ProbeResult | 'withdrawn'

/** An attempt whose results are given one by one by the test. */
function scripted (): { attempt: (upstream: string, timeoutMs: number) => Promise<Result>, calls: number, answer: (result: Result) => void } {
  const pending: Array<(result: Result) => void> = []
  const script = {
    calls: 0,
    attempt: async () => {
      script.calls++
      return await new Promise<Result>((resolve) => { pending.push(resolve) })
    },
    answer: (result: Result) => { pending.shift()?.(result) }
  }
  return script
}

t.test('the oldest offer is tried, again after a not-ready answer; once it answered, the next app-wide offer is the next one', async (t) => {
  const probes = new HeldProbes()
  t.equal(probes.next('shop'), undefined, 'nothing offered')
  const [first, second] = [scripted(), scripted()]
  const a = probes.offer('shop', first.attempt)
  const b = probes.offer('shop', second.attempt)
  t.equal(probes.next('blog'), undefined, 'offers are per app')

  const one = probes.next('shop')?.('http://127.0.0.1:1', 100)
  first.answer('not-ready')
  t.equal(await one, 'not-ready')
  const two = probes.next('shop')?.('http://127.0.0.1:1', 100)
  t.equal(first.calls, 2, 'the oldest again')
  first.answer('ready')
  t.equal(await two, 'ready')
  t.equal(await a.withdraw(), true, 'answered')
  t.equal(second.calls, 0)
  const three = probes.next('shop')?.('http://127.0.0.1:1', 100)
  t.equal(second.calls, 1, 'the next offer')
  second.answer('refused')
  t.equal(await three, 'refused')
  t.equal(await b.withdraw(), false, 'not answered: it is proxied once the wake is over')
  t.equal(probes.next('shop'), undefined, 'nothing left offered')
})

t.test('a withdrawal during a try waits for it: the answer may be the request\'s', async (t) => {
  const probes = new HeldProbes()
  const script = scripted()
  const held = probes.offer('shop', script.attempt)
  const trying = probes.next('shop')?.('http://127.0.0.1:1', 100)
  let withdrawn: boolean | undefined
  const withdrawal = held.withdraw().then((answered) => { withdrawn = answered })
  await Promise.resolve()
  t.equal(withdrawn, undefined, 'still waiting for the try under way')
  t.equal(probes.next('shop'), undefined, 'no longer offered')
  script.answer('ready')
  await withdrawal
  t.equal(await trying, 'ready')
  t.equal(withdrawn, true)
})

t.test('a request whose client left is no longer offered; a try of a withdrawn offer sends nothing', async (t) => {
  const probes = new HeldProbes()
  const [gone, waiting] = [scripted(), scripted()]
  probes.offer('shop', gone.attempt)
  probes.offer('shop', waiting.attempt)
  const trying = probes.next('shop')?.('http://127.0.0.1:1', 100)
  gone.answer('withdrawn')
  t.equal(await trying, 'withdrawn')
  const turn = probes.next('shop')
  const other = probes.offer('blog', scripted().attempt)
  t.equal(await other.withdraw(), false)
  t.equal(probes.next('blog'), undefined)
  const next = turn?.('http://127.0.0.1:1', 100)
  t.equal(waiting.calls, 1, 'the next offer is tried')
  waiting.answer('not-ready')
  t.equal(await next, 'not-ready')

  const late = probes.offer('late', scripted().attempt)
  const attempt = probes.next('late')
  await late.withdraw()
  t.equal(await attempt?.('http://127.0.0.1:1', 100), 'withdrawn', 'withdrawn between its turn and its try: nothing sent')
})
