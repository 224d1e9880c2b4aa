// The bench itself must keep working: a quick run (numbers meaningless, never asserted) that
// checks it measures every part and that the cold burst still makes exactly one start.
import { spawn } from 'node:child_process'
import path from 'node:path'
import t from 'tap'

// A whole (quick) bench run: on a busy machine it takes minutes, not the usual one.
t.setTimeout(600_000)

t.test('npm run bench runs end to end (quick mode)', async (t) => {
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'dist', 'bench', 'run.js'), '--quick', '--no-write'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const code = await new Promise((resolve) => child.on('exit', resolve))
  t.equal(code, 0, output.slice(-2000))
  for (const row of ['direct upstream (the limit)', 'node:http + undici Pool, no framework (the Node ceiling)', 'Fastify catch-all + @fastify/reply-from',
    'Fastify + @fastify/http-proxy', 'Paastis, app running', 'Targets (CPU per request, lower is better): Paastis ÷ Fastify catch-all + reply-from', 'pipelining 4',
    'a client retrying every 1 ms (the floor)', 'Paastis over the floor, median', "Paastis's worst over the floor's median",
    'A remote app behind a router that answers 502', "app ready → client's first byte, median", 'requests the router received per wake',
    'warm Host lookup, 1 app', "Warm path, CPU per request ÷ Fastify + reply-from's: in-memory", 'Heavy histories', 'ledger, per read once caught up']) {
    t.ok(output.includes(row), `reports ${row}`)
  }
  t.match(output, /\| … provider start calls \(must be 1\) \| 1 \|/, 'the burst on a sleeping app started it once')
  t.match(output, /\| Paastis, app running \| [\d.,]+ \| – \| [\d,]+ \| [\d.,]+ \| [\d.,]+ \| [\d.]+ \| 0 \|/, 'no errors through Paastis')
  // Every warm row has its CPU per request, a number: the ratios are computed from it.
  for (const line of output.split('\n').filter((row) => /^\| (direct|nginx|node:http|Fastify)/.test(row))) {
    t.match(line, /^\| [^|]+ \| [\d.,]+ \| [\d.,]+ \| /, `CPU per request and its ratio: ${line.split('|')[1].trim()}`)
  }
  t.match(output, /load from (wrk, 1 thread|autocannon)/, 'says which load generator it used')
})
