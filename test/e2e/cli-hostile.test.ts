// The CLI against what it should never trust: a Paastis whose events carry an app's escape
// sequences, and a PAASTIS_URL that answers an endless body, JSON of another shape or a huge one.
// Nothing it prints carries a control character but newline and tab; every odd answer is one line.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { runPaastis } from './paastis-process'

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/

/** A server answering every request with `answer`. */
async function hostile (t: Test, answer: (res: http.ServerResponse) => void): Promise<string> {
  const server = http.createServer((req, res) => {
    req.resume()
    answer(res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.closeAllConnections(); server.close() })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function cli (args: string[], url: string): Promise<{ code: number | null, output: string }> {
  const run = runPaastis(args, { PAASTIS_URL: url, PAASTIS_TOKEN: 'tk' })
  return { code: await run.exit, output: run.output() }
}

t.test('escape sequences in events (an app\'s error output) reach no terminal', async (t) => {
  const url = await hostile(t, (res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify([{
      at: '2026-12-06T10:00:00.000Z',
      app: 'evil\u001b]0;pwned\u0007',
      type: 'start_failed',
      message: 'exited with code 1; its last error output: \u001b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\u0007\u001b[2J\u009b31m'
    }]))
  })
  for (const args of [['events'], ['events', '--json']]) {
    const { code, output } = await cli(args, url)
    t.equal(code, 0, args.join(' '))
    t.notMatch(output, CONTROL, `${args.join(' ')}: no control character printed`)
    t.match(output, /(\\x1b|\\u001b)\]52;c;Y3VybCBldmlsLnNoIHwgc2g=/, 'shown as text, escaped (JSON escapes it its own way)')
  }
})

t.test('an endless body, JSON of another shape, a huge answer: one line each, exit 1, no stack', async (t) => {
  const endless = await hostile(t, (res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write('[')
    const timer = setInterval(() => { res.write('{"at":"x","app":"a","type":"t"},') }, 100)
    res.on('close', () => { clearInterval(timer) })
  })
  const shaped = await hostile(t, (res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ apps: 'not a list', hello: 'world' }))
  })
  const huge = await hostile(t, (res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    const chunk = Buffer.alloc(1024 * 1024, 0x20)
    let sent = 0
    const write = (): void => {
      while (sent < 40 && res.write(chunk)) sent++
      if (sent < 40) res.once('drain', write)
      else res.end('[]')
    }
    write()
  })
  const cases: Array<[string, string[], RegExp]> = [
    [endless, ['events'], /^paastis events: .* did not (answer|finish its answer) within \d+ s/],
    [shaped, ['apps'], /^paastis apps: .* answered JSON that is not a list of apps .*is PAASTIS_URL right\?/],
    [huge, ['apps'], /^paastis apps: the answer is larger than 16 MB: not Paastis's admin API\?/]
  ]
  for (const [url, args, message] of cases) {
    const { code, output } = await cli(args, url)
    t.equal(code, 1, args.join(' '))
    t.equal(output.trim().split('\n').length, 1, `one line: ${output}`)
    t.match(output.trim(), message)
    t.notMatch(output, /at .*\.js:\d+|DOMException|TypeError/, 'no stack, no raw exception')
  }
})
