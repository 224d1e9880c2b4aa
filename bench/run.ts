// `npm run bench`: Paastis measured side by side with references, in one run, on this machine.
// Warm path: a 1 KB upstream hit directly, through nginx (when installed), a framework-free Node
// proxy (the Node ceiling), Fastify + reply-from, Fastify + http-proxy, and Paastis (5 rounds
// interleaved, medians), loaded by wrk when it is installed, autocannon otherwise; every row
// reports the CPU time its process spent per request, and the ratios are of that. Cold path:
// Paastis beside its floor (cold.ts), a remote app behind a booting router (remote.ts), a burst of
// 1,000 requests on a sleeping app. Scale: 10,000 apps. With Redis: the warm path again.
// Writes BENCHMARKS.md. `--quick` runs everything briefly (a smoke test of the bench itself).
import { spawn, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { cold } from './cold'
import { cleanup, DIST, fmt, freePort, listening, median, paastis, QUICK, rssKb, start, stop, track, UPSTREAM_SCRIPT, work, type Child } from './harness'
import { load, onPath, WRK, type Load } from './load'
import { remote } from './remote'

const WRITE = !process.argv.includes('--no-write')
const ROOT = path.join(DIST, '..')
const SECONDS = QUICK ? 1 : 5
const ROUNDS = QUICK ? 1 : 5
const KNOB_SECONDS = QUICK ? 1 : 5
const NGINX = onPath('nginx') || existsSync('/usr/sbin/nginx')

/** An app that is always up, served by the shared upstream (start/stop/status are no-ops). */
function alwaysUpYaml (upstream: number): string {
  return `apps:\n  - name: bench\n    start: 'true'\n    stop: 'true'\n    status: 'true'\n    upstream: http://127.0.0.1:${upstream}\n`
}

interface WarmRow { target: string, cpuUs: number, rps: number, p50: number, p99: number, rssKb: number | null, errors: number }

/** nginx, one worker, keeping connections to the upstream alive; undefined when not installed. */
async function startNginx (upstream: Child): Promise<Child | undefined> {
  if (!NGINX) return undefined
  const port = await freePort()
  const prefix = mkdtempSync(path.join(work, 'nginx-'))
  const conf = path.join(prefix, 'nginx.conf')
  writeFileSync(conf, `worker_processes 1;\ndaemon off;\npid ${prefix}/nginx.pid;\nerror_log ${prefix}/error.log;\n` +
    'events { worker_connections 4096; }\n' +
    `http {\n  access_log off;\n  client_body_temp_path ${prefix}/body;\n  proxy_temp_path ${prefix}/proxy;\n` +
    `  upstream app { server 127.0.0.1:${upstream.port}; keepalive 64; }\n` +
    `  server {\n    listen 127.0.0.1:${port};\n    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; }\n  }\n}\n`)
  const child = spawn(existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx', ['-p', prefix, '-c', conf], { stdio: 'ignore' })
  track(child)
  const until = Date.now() + 10_000
  while (!await listening(port)) {
    if (Date.now() > until || child.exitCode !== null) return undefined
    await sleep(50)
  }
  return { port, process: child, output: () => '' }
}

const PAASTIS_ROW = 'Paastis, app running'

async function warm (upstream: Child, configFile: string): Promise<{ rows: WarmRow[], ratios: Record<string, number> }> {
  const env = { UPSTREAM: `http://127.0.0.1:${upstream.port}` }
  const nginx = await startNginx(upstream)
  const ceiling = await start(path.join(DIST, 'bench', 'node-proxy.js'), env)
  const replyFrom = await start(path.join(DIST, 'bench', 'reply-from-proxy.js'), env)
  const bare = await start(path.join(DIST, 'bench', 'bare-proxy.js'), env)
  const proxy = await paastis({ PAASTIS_CONFIG_FILE: configFile })
  const targets: Array<[string, number, string, Child]> = [
    ['direct upstream (the limit)', upstream.port, 'bench.localhost', upstream],
    ...(nginx === undefined ? [] : [['nginx, 1 worker, upstream keepalive', nginx.port, 'bench.localhost', nginx] as [string, number, string, Child]]),
    ['node:http + undici Pool, no framework (the Node ceiling)', ceiling.port, 'bench.localhost', ceiling],
    ['Fastify catch-all + @fastify/reply-from', replyFrom.port, 'bench.localhost', replyFrom],
    ['Fastify + @fastify/http-proxy', bare.port, 'bench.localhost', bare],
    [PAASTIS_ROW, proxy.port, 'bench.localhost', proxy]
  ]
  for (const [, port, host] of targets) await load(port, host, 1) // warm-up
  const samples = new Map<string, Load[]>()
  for (let round = 0; round < ROUNDS; round++) {
    // Every other round in reverse order: no target is always the one measured after all the others.
    for (const [name, port, host, child] of round % 2 === 0 ? targets : [...targets].reverse()) {
      samples.set(name, [...(samples.get(name) ?? []), await load(port, host, SECONDS, child.process.pid)])
    }
  }
  const rows = targets.map(([name, , , child]): WarmRow => {
    const runs = samples.get(name) as Load[]
    return {
      target: name,
      cpuUs: median(runs.map((r) => r.cpuUsPerRequest)),
      rps: median(runs.map((r) => r.rps)),
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      rssKb: child === upstream ? null : rssKb(child),
      errors: runs.reduce((sum, r) => sum + r.errors, 0)
    }
  })
  for (const child of [nginx, ceiling, replyFrom, bare, proxy]) await stop(child)
  // CPU per request, not throughput: the same server gives 7k and 16k requests/s in two runs here.
  const paastisCpu = rows[rows.length - 1].cpuUs
  const ratios = Object.fromEntries(rows.slice(0, -1).map((row) => [row.target, paastisCpu / row.cpuUs]))
  return { rows, ratios }
}

/** An OTLP/HTTP receiver that takes every export and keeps nothing: what traces cost Paastis, not the receiver. */
async function traceSink (): Promise<http.Server> {
  const sink = http.createServer((req, res) => {
    req.resume().on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }).end('{}') })
  })
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve))
  return sink
}

/** Each pool setting of Paastis, and traces on, against the reply-from proxy, back to back. */
async function knobs (upstream: Child, configFile: string): Promise<Array<{ knob: string, ratio: number }>> {
  // Ratio of CPU per request: Paastis ÷ reply-from (lower is better).
  const bare = await start(path.join(DIST, 'bench', 'reply-from-proxy.js'), { UPSTREAM: `http://127.0.0.1:${upstream.port}` })
  const sink = await traceSink()
  const variants: Array<[string, Record<string, string>]> = [
    ['defaults (connections 128, pipelining 1, keep-alive 60s)', {}],
    ['connections 50 (= client connections)', { PROXY_CONNECTIONS: '50' }],
    ['connections 256', { PROXY_CONNECTIONS: '256' }],
    ['pipelining 4', { PROXY_PIPELINING: '4' }],
    ['keep-alive 4s (undici default)', { PROXY_KEEP_ALIVE_TIMEOUT: '4s' }],
    ['traces on (a span per request, OTLP/HTTP to a local receiver)', { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(sink.address() as AddressInfo).port}` }]
  ]
  const out: Array<{ knob: string, ratio: number }> = []
  for (const [knob, env] of variants) {
    const proxy = await paastis({ PAASTIS_CONFIG_FILE: configFile, ...env })
    await load(proxy.port, 'bench.localhost', 1)
    const reference = await load(bare.port, 'bench.localhost', KNOB_SECONDS, bare.process.pid)
    const measured = await load(proxy.port, 'bench.localhost', KNOB_SECONDS, proxy.process.pid)
    out.push({ knob, ratio: measured.cpuUsPerRequest / reference.cpuUsPerRequest })
    await stop(proxy)
  }
  await stop(bare)
  sink.close()
  return out
}

interface ScaleResult { apps: number, tickMs: number, rssPerAppBytes: number, heapPerAppBytes: number, lookupNs1: number, lookupNsMany: number }

async function scale (): Promise<ScaleResult> {
  const child = spawn(process.execPath, ['--expose-gc', path.join(DIST, 'bench', 'scale.js')], { env: { ...process.env, APPS: QUICK ? '1000' : '10000' } })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  await new Promise((resolve) => child.on('exit', resolve))
  return JSON.parse(output) as ScaleResult
}

interface HistoryRow { events: number, fullMs: number, ledgerMs: number, firstLedgerMs: number, dayMs: number, heapMiB: number }

/** The accounting reads against 10k, 100k and 1M events (bench/history.ts, its own process). */
async function heavyHistory (): Promise<HistoryRow[]> {
  const child = spawn(process.execPath, [path.join(DIST, 'bench', 'history.js')], { env: { ...process.env, QUICK: QUICK ? '1' : '0' } })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  await new Promise((resolve) => child.on('exit', resolve))
  return JSON.parse(output) as HistoryRow[]
}

/** The warm-path ratio with REGISTRY_TYPE=redis; undefined when no redis-server is installed. */
async function withRedis (upstream: Child, configFile: string): Promise<{ ratio: number, memoryRatio: number } | undefined> {
  const redisPort = await freePort()
  let redis: ChildProcess
  try {
    redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    track(redis)
    await new Promise((resolve, reject) => { redis.once('spawn', resolve); redis.once('error', reject) })
  } catch {
    return undefined
  }
  const until = Date.now() + 5000
  while (!await listening(redisPort)) {
    if (Date.now() > until) return undefined
    await sleep(50)
  }
  const memory = await paastis({ PAASTIS_CONFIG_FILE: configFile })
  const shared = await paastis({ PAASTIS_CONFIG_FILE: configFile, REGISTRY_TYPE: 'redis', REGISTRY_REDIS_URL: `redis://127.0.0.1:${redisPort}` })
  const bare = await start(path.join(DIST, 'bench', 'reply-from-proxy.js'), { UPSTREAM: `http://127.0.0.1:${upstream.port}` })
  const ratios: number[] = []
  const memoryRatios: number[] = []
  for (const child of [memory, shared, bare]) await load(child.port, 'bench.localhost', 1)
  for (let round = 0; round < ROUNDS; round++) {
    const reference = await load(bare.port, 'bench.localhost', SECONDS, bare.process.pid)
    const inMemory = await load(memory.port, 'bench.localhost', SECONDS, memory.process.pid)
    const inRedis = await load(shared.port, 'bench.localhost', SECONDS, shared.process.pid)
    ratios.push(inRedis.cpuUsPerRequest / reference.cpuUsPerRequest)
    memoryRatios.push(inMemory.cpuUsPerRequest / reference.cpuUsPerRequest)
  }
  await Promise.all([stop(memory), stop(shared), stop(bare)])
  redis.kill('SIGKILL')
  return { ratio: median(ratios), memoryRatio: median(memoryRatios) }
}

async function run (): Promise<void> {
  if (!existsSync(path.join(DIST, 'server.js'))) throw new Error('build first: npm run build')
  const upstreamPort = await freePort()
  const upstream = await startUpstream(upstreamPort)
  const configFile = path.join(work, 'warm.yml')
  writeFileSync(configFile, alwaysUpYaml(upstream.port))

  console.log(`Paastis benchmarks${QUICK ? ' (quick run: numbers are not meaningful)' : ''}\n`)
  const warmResult = await warm(upstream, configFile)
  const knobResult = await knobs(upstream, configFile)
  const redisResult = await withRedis(upstream, configFile)
  await stop(upstream)
  const coldResult = await cold()
  const remoteResult = await remote()
  const scaleResult = await scale()
  const historyResult = await heavyHistory()

  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${fmt(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`
  const lines = [
    '## Warm path (1 KB upstream, 50 connections, ' + `${SECONDS} s × ${ROUNDS} rounds interleaved, every other one in reverse order, medians; load from ${WRK ? 'wrk, 1 thread' : 'autocannon (wrk is not installed: apt-get install -y wrk)'})`,
    '',
    '| target | CPU µs / request | Paastis CPU ÷ target CPU | req/s | p50 ms | p99 ms | RSS MiB | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...warmResult.rows.map((r) => `| ${r.target} | ${fmt(r.cpuUs, 1)} | ${r.target === PAASTIS_ROW ? '–' : fmt(warmResult.ratios[r.target], 2)} | ${fmt(r.rps)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${r.rssKb === null ? '–' : fmt(r.rssKb / 1024, 1)} | ${r.errors} |`),
    ...(NGINX ? [] : ['', 'nginx is not installed (apt-get install -y nginx-light): its row is left out.']),
    '',
    'CPU µs / request: user + system time of the process measured (the proxy; for the first row, the upstream itself;',
    'for nginx, its master and worker), read from /proc/<pid>/stat around each load, ÷ the requests wrk completed. It is',
    'what the ratios are computed from: throughput swings by ±30 % between runs on this machine, CPU per request by about ±15 %.',
    '',
    `Targets (CPU per request, lower is better): Paastis ÷ Fastify catch-all + reply-from **${fmt(warmResult.ratios['Fastify catch-all + @fastify/reply-from'], 3)}** (≤ 1.0), ` +
      `Paastis ÷ the Node ceiling **${fmt(warmResult.ratios['node:http + undici Pool, no framework (the Node ceiling)'], 3)}** (stretch: ≤ 1.0).`,
    '',
    '### Upstream pool knobs and traces (Paastis CPU per request ÷ Fastify + reply-from\'s, measured back to back, ' + `${KNOB_SECONDS} s each; lower is better)`,
    '',
    '| setting | ratio |',
    '|---|---:|',
    ...knobResult.map((k) => `| ${k.knob} | ${fmt(k.ratio, 3)} |`),
    '',
    'Each knob is one short sample against its own reference: differences under ~10% are noise here. The defaults',
    "keep idle connections to the apps for 60 s (undici's 4 s default closes and reopens them under steady load) and",
    'keep pipelining at 1: pipelining to arbitrary apps risks head-of-line blocking behind a slow response and is unsafe',
    'for non-idempotent requests, for a gain that stays within the noise. Traces are off by default, and off they add',
    'no hook and no header: the defaults row is their cost when off (one `undefined` read per request); the traces row',
    'is what a span per request, exported in batches, costs when an OTLP endpoint is set.',
    '',
    '## Cold path',
    '',
    '| measure | value |',
    '|---|---:|',
    `| app's listen → first byte, a client retrying every 1 ms (the floor), median of ${coldResult.wakes} | ${fmt(coldResult.floorMs.median, 1)} ms |`,
    `| … worst | ${fmt(coldResult.floorMs.worst, 1)} ms |`,
    `| app's listen → first byte through Paastis, median of ${coldResult.wakes} | ${fmt(coldResult.paastisMs.median, 1)} ms |`,
    `| … worst | ${fmt(coldResult.paastisMs.worst, 1)} ms |`,
    `| **Paastis over the floor, median** (target ≤ 3 ms) | **${fmt(coldResult.paastisMs.median - coldResult.floorMs.median, 1)} ms** |`,
    `| **Paastis's worst over the floor's median** (target ≤ 15 ms) | **${fmt(coldResult.paastisMs.worst - coldResult.floorMs.median, 1)} ms** |`,
    `| request → first byte, app booting in 500 ms (median) | ${fmt(coldResult.wakeMs)} ms |`,
    `| ${coldResult.burst.requests} concurrent requests to the sleeping app: answered 200 | ${coldResult.burst.ok} |`,
    `| … provider start calls (must be 1) | ${coldResult.burst.starts} |`,
    `| … p99 latency | ${fmt(coldResult.burst.p99Ms)} ms |`,
    '',
    'Wakes and floors interleaved; both timed from the moment the app itself wrote that it listens (epoch ms with',
    "sub-ms digits) to the client's first byte.",
    '',
    `## A remote app behind a router that answers 502 while it boots (${remoteResult.wakes} wakes, boots of ${remoteResult.bootMs.map((ms) => fmt(ms / 1000, 2)).join(', ')} s)`,
    '',
    '| measure | value |',
    '|---|---:|',
    `| **app ready → client's first byte, median** (target ≤ 100 ms) | **${fmt(remoteResult.afterReadyMs.median, 1)} ms** |`,
    `| **… worst** (target ≤ 100 ms) | **${fmt(remoteResult.afterReadyMs.worst, 1)} ms** |`,
    `| requests the router received per wake: its readiness asks, the request's own included (median) | ${fmt(remoteResult.probesPerWake)} |`,
    `| … per second of boot | ${fmt(remoteResult.probesPerSecond, 1)} |`,
    '',
    'The provider API is called once per wake (the start); readiness is asked of the app only, through its router.',
    '',
    `## Scale (${fmt(scaleResult.apps)} apps in the registry)`,
    '',
    '| measure | value |',
    '|---|---:|',
    `| scheduler tick (discovery + sweep, median of 5) | ${fmt(scaleResult.tickMs, 1)} ms |`,
    `| memory per app (RSS delta / apps) | ${fmt(scaleResult.rssPerAppBytes)} B |`,
    `| memory per app (heap delta / apps) | ${fmt(scaleResult.heapPerAppBytes)} B |`,
    `| warm Host lookup, 1 app | ${fmt(scaleResult.lookupNs1)} ns |`,
    `| warm Host lookup, ${fmt(scaleResult.apps)} apps (must be flat) | ${fmt(scaleResult.lookupNsMany)} ns |`,
    '',
    'The Host lookup is one map lookup whatever the number of apps; cycling through thousands of distinct hosts misses',
    'the CPU caches that a single hot host stays in, which is the whole difference (tens of nanoseconds per request).',
    '',
    '## Heavy histories (500 apps; the accounting read of /apps, /metrics and the expected wait)',
    '',
    '| events | whole history folded per read (before) | ledger, per read once caught up (now) | ledger, first read | /savings of one day |',
    '|---:|---:|---:|---:|---:|',
    ...historyResult.map((row) => `| ${fmt(row.events)} | ${fmt(row.fullMs, 1)} ms | ${fmt(row.ledgerMs, 2)} ms | ${fmt(row.firstLedgerMs, 1)} ms | ${fmt(row.dayMs, 1)} ms |`),
    '',
    'A read now costs O(apps) whatever the history (the ledger folds only the events since the last read); the first',
    'read after a start folds the history once. A /savings period reads its own events and each app\'s last one before it.',
    '',
    '## With Redis (REGISTRY_TYPE=redis)',
    '',
    redisResult === undefined
      ? 'Not measured: redis-server is not installed (apt-get install -y redis-server).'
      : `Warm path, CPU per request ÷ Fastify + reply-from's: in-memory ${fmt(redisResult.memoryRatio, 3)}, Redis ${fmt(redisResult.ratio, 3)} (must be equal: no Redis on the request path).`
  ]
  const table = lines.join('\n')
  console.log(table)

  const results: Results = {
    measure: 'cpu',
    warm: warmResult.ratios,
    overheadMs: coldResult.paastisMs.median - coldResult.floorMs.median,
    worstOverheadMs: coldResult.paastisMs.worst - coldResult.floorMs.median,
    remoteMs: remoteResult.afterReadyMs.worst,
    tickMs: scaleResult.tickMs,
    redis: redisResult?.ratio
  }
  if (WRITE && !QUICK) {
    const file = path.join(ROOT, 'BENCHMARKS.md')
    const before = existsSync(file) ? readFileSync(file, 'utf8') : ''
    const previous = /<!-- results (.*) -->/.exec(before)?.[1]
    // The profile findings are written by hand, between markers, and kept from run to run.
    const findings = /<!-- findings -->[\s\S]*<!-- \/findings -->/.exec(before)?.[0] ?? '<!-- findings -->\n<!-- /findings -->'
    const changes = previous === undefined ? 'First table.' : describeChanges(JSON.parse(previous) as Results, results)
    writeFileSync(file, [
      '# Benchmarks', '',
      `Produced by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}, on ${machine}.`,
      'Every number is measured in the same run as its reference; this machine is small and noisy, so read ratios, not absolutes.', '',
      table, '',
      findings, '',
      '## Since the previous table', '', changes, '',
      `<!-- results ${JSON.stringify(results)} -->`, ''
    ].join('\n'))
    console.log(`\nWritten to ${file}`)
  }
}

/** What a run leaves in BENCHMARKS.md for the next one to compare with. */
interface Results {
  /** `cpu`: warm ratios of CPU per request (lower is better); absent in older tables: of throughput. */
  measure?: 'cpu'
  warm: Record<string, number>
  /** Older tables: from the app's listen; now: over the floor measured in the same run. */
  overheadMs: number
  worstOverheadMs?: number
  remoteMs?: number
  tickMs: number
  redis?: number
}

function describeChanges (before: Results, after: Results): string {
  if (before.measure !== after.measure) {
    return [
      'The warm ratios are now of CPU per request (lower is better) and the cold overhead is measured over its floor',
      'in the same run: the previous table (throughput ratios, overhead from the app\'s listen) cannot be compared',
      `row by row. Its figures: ${Object.entries(before.warm).map(([row, ratio]) => `${row} ${fmt(ratio, 3)}`).join('; ')};`,
      `cold overhead ${fmt(before.overheadMs)} ms median, ${before.worstOverheadMs === undefined ? '–' : fmt(before.worstOverheadMs)} ms worst.`
    ].join('\n')
  }
  // Rows of an older table that no longer exist are shown as –.
  const ratio = (results: Results, row: string): string => results.warm[row] === undefined ? '–' : fmt(results.warm[row], 3)
  const ms = (value: number | undefined, digits = 1): string => value === undefined ? '–' : `${fmt(value, digits)} ms`
  return [
    ...Object.keys(after.warm).map((row) => `- Paastis CPU ÷ ${row}: ${ratio(before, row)} → ${ratio(after, row)}`),
    `- cold path over its floor, median: ${ms(before.overheadMs)} → ${ms(after.overheadMs)}`,
    `- cold path, worst over the floor: ${ms(before.worstOverheadMs)} → ${ms(after.worstOverheadMs)}`,
    `- remote app, ready → first byte, worst: ${ms(before.remoteMs)} → ${ms(after.remoteMs)}`,
    `- scheduler tick: ${ms(before.tickMs)} → ${ms(after.tickMs)}`,
    `- Redis warm ratio: ${before.redis === undefined ? '–' : fmt(before.redis, 3)} → ${after.redis === undefined ? '–' : fmt(after.redis, 3)}`
  ].join('\n')
}

async function startUpstream (port: number): Promise<Child> {
  return await start(UPSTREAM_SCRIPT, { PORT: String(port) })
}

run().then(() => {
  cleanup()
  process.exit(0)
}, (err: Error) => {
  console.error(`the bench could not run: ${err.message}`)
  cleanup()
  process.exit(1)
})
