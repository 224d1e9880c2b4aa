import t from 'tap'
import { ListingTrust } from '../../../lib/core/listing-trust'

const lines = (): { log: { error: () => void, warn: (m: string) => void, info: (m: string) => void, debug: () => void }, said: string[] } => {
  const said: string[] = []
  return { said, log: { error: () => {}, debug: () => {}, warn: (m) => { said.push(m) }, info: (m) => { said.push(m) } } }
}

t.test('a listing that loses most apps at once is believed only once enough checks in a row agree', async (t) => {
  const { log, said } = lines()
  const trust = new ListingTrust(log, 3)
  t.equal(trust.believe(1, 4), true, 'one of four lost: believed')
  t.equal(trust.suspect, undefined)
  t.equal(trust.believe(3, 4), false, 'three of four: suspect')
  t.match(trust.suspect, "the provider's listing lost 3 of 4 apps at once; kept until 3 checks in a row agree (1 so far)")
  t.equal(trust.believe(4, 4), false)
  t.match(trust.suspect, /\(2 so far\)/)
  t.equal(trust.believe(4, 4), true, 'the third check in a row: believed')
  t.equal(trust.suspect, undefined)
  t.match(said.at(-1), 'the provider still lists 0 of 4 apps after 3 checks: forgetting 4')
})

t.test('a good listing between suspect ones starts the count again, and says the suspicion is over', async (t) => {
  const { log, said } = lines()
  const trust = new ListingTrust(log, 2)
  t.equal(trust.believe(2, 2), false)
  t.equal(trust.believe(0, 2), true)
  t.equal(said.at(-1), 'the provider lists the apps again: the suspect listing is over')
  t.equal(trust.believe(2, 2), false, 'counted from one again')
  t.equal(trust.believe(2, 3), true, 'two of three lost, the second check in a row: believed')
})
