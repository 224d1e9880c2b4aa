// What a person types wrong, told in words by the real `paastis` command before any call (the
// same formatter as the server's): an unknown option names the command's options, a bad value
// says what it must be, a PAASTIS_URL with a path is refused with the address to give. And hours
// rounded the same way for an app and for the total.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { runPaastis } from './paastis-process'

async function cli (args: string[], env: Record<string, string> = {}): Promise<{ code: number | null, output: string }> {
  // No server listens there: every case below must be refused before a call.
  const run = runPaastis(args, { PAASTIS_URL: 'http://127.0.0.1:9', PAASTIS_TOKEN: 'tk', ...env })
  return { code: await run.exit, output: run.output() }
}

t.test('a typo, a bad value, a missing value: exit 2 and a sentence, never a regex or a parser\'s hint', async (t) => {
  const cases: Array<[string[], string]> = [
    [['apps', '--stat', 'running'], 'paastis apps: unknown option --stat; the options are --provider, --state, --json'],
    [['apps', '--state', 'sleeping'], 'paastis apps: --state must be one of: running, stopped, starting, stopping, failed, unknown'],
    [['pin', 'shop', '--for', '2'], 'paastis pin: --for must be a duration with its unit, as 30m, 2h or 1d (at most 30 days)'],
    [['pin', 'shop', '--for'], 'paastis pin: --for needs a value'],
    [['events', '--limit', '0'], 'paastis events: --limit must be a whole number from 1 to 1000'],
    [['events', '--type', 'woke'], 'paastis events: --type must be one of: '],
    [['apps', '--json=yes'], 'paastis apps: --json takes no value']
  ]
  for (const [args, message] of cases) {
    const { code, output } = await cli(args)
    t.equal(code, 2, args.join(' '))
    t.ok(output.startsWith(message), `${args.join(' ')}: ${output.split('\n')[0]}`)
    t.notMatch(output, /\^|\\d|To specify a positional|match pattern/, 'no regex, no parser hint')
  }
})

t.test('a PAASTIS_URL with a path is refused with the address to give', async (t) => {
  for (const url of ['http://127.0.0.1:3000/apps', 'http://127.0.0.1:3000/?x=1']) {
    const { code, output } = await cli(['apps'], { PAASTIS_URL: url })
    t.equal(code, 1, url)
    t.match(output, /^paastis apps: PAASTIS_URL: "http:\/\/127\.0\.0\.1:3000\/(apps|\?x=1)" has a path \((\/apps|\/\?x=1)\); give Paastis's address alone, e\.g\. http:\/\/127\.0\.0\.1:3000\n$/)
  }
})

t.test('hours: a few minutes asleep read "<0.01" for the app, as the total counts them, never 0', async (t) => {
  const server = http.createServer((req, res) => {
    req.resume()
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({
      from: '2026-12-06T00:00:00.000Z',
      to: '2026-12-06T12:00:00.000Z',
      dryRun: false,
      currency: 'EUR',
      hoursAsleep: 0.012,
      hoursRunning: 11.988,
      saved: 0.01,
      hoursWouldSleep: 0,
      wouldHaveSaved: 0,
      apps: [
        { app: 'brief', hoursAsleep: 0.004, hoursRunning: 5.996, costPerHour: 1, saved: 0, hoursWouldSleep: 0, wouldHaveSaved: 0, days: [] },
        { app: 'short', hoursAsleep: 0.008, hoursRunning: 5.992, costPerHour: null, saved: null, hoursWouldSleep: 0, wouldHaveSaved: null, days: [] }
      ],
      days: []
    }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.closeAllConnections(); server.close() })
  const { code, output } = await cli(['savings'], { PAASTIS_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
  t.equal(code, 0)
  t.match(output, /^brief\s+<0\.01\s+6\s+1\.00 EUR\s+0\.00 EUR$/m, 'not "0" beside a total of 0.01')
  t.match(output, /^short\s+0\.01\s+5\.99\s+–\s+–$/m)
  t.match(output, /^TOTAL\s+0\.01\s+11\.99\s+0\.01 EUR$/m)
})
