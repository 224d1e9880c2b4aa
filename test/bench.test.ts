// The bench itself must keep working: a quick run (numbers meaningless, never asserted) that
// checks it measures every part and that the cold burst still makes exactly one start.
import { spawn } from 'node:child_process'
import path from 'node:path'
import t from 'tap'

t.test('npm run bench runs end to end (quick mode)', async (t) => {
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'dist', 'bench', 'run.js'), '--quick', '--no-write'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const code = await new Promise((resolve) => child.on('exit', resolve))
  t.equal(code, 0, output.slice(-2000))
  for (const row of ['a. direct', 'b. bare @fastify/http-proxy', 'c. Paastis, app running', 'Ratios: **c/b = ', 'pipelining 4',
    'Paastis overhead: first byte', 'warm Host lookup, 1 app', 'Warm path ÷ bare proxy: in-memory']) {
    t.ok(output.includes(row), `reports ${row}`)
  }
  t.match(output, /\| … provider start calls \(must be 1\) \| 1 \|/, 'the burst on a sleeping app started it once')
  t.match(output, /\| c\. Paastis, app running \| [\d,]+ \| \d+ \| \d+ \| [\d.]+ \| 0 \|/, 'no errors through Paastis')
})
