// `npm run bench`: Paastis measured side by side with references, in one run, on this machine.
// Warm path: a 1 KB upstream hit directly, through nginx (when installed), a framework-free Node
// proxy (the Node ceiling), Fastify + reply-from, Fastify + http-proxy, and Paastis (3 rounds
// interleaved, medians), loaded by wrk when it is installed (a C load generator that leaves the CPU
// to the proxy), autocannon otherwise. Cold path: Paastis's overhead over an app's own boot, and a
// burst of 1,000 requests on a sleeping app. Scale: 10,000 apps. With Redis: the warm path again.
// Writes BENCHMARKS.md. `--quick` runs everything briefly (a smoke test of the bench itself).
import autocannon from 'autocannon'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { request } from 'undici'

const QUICK = process.argv.includes('--quick')
const WRITE = !process.argv.includes('--no-write')
const DIST = path.join(__dirname, '..')
const ROOT = path.join(DIST, '..')
const SECONDS = QUICK ? 1 : 10
const ROUNDS = QUICK ? 1 : 3
const KNOB_SECONDS = QUICK ? 1 : 5
const CONNECTIONS = 50
const TOKEN = 'bench-token'
const work = mkdtempSync(path.join(os.tmpdir(), 'paastis-bench-'))
const children: ChildProcess[] = []

async function freePort (): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

interface Child { port: number, process: ChildProcess, output: () => string }

async function start (script: string, env: Record<string, string>, args: string[] = []): Promise<Child> {
  const port = Number(env.PORT ?? await freePort())
  const child = spawn(process.execPath, [...args, script], {
    env: { PATH: process.env.PATH, LOG_FORMAT: 'json', LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  children.push(child)
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const until = Date.now() + 20_000
  while (!await listening(port)) {
    if (Date.now() > until || child.exitCode !== null) throw new Error(`${path.basename(script)} did not start:\n${output}`)
    await sleep(50)
  }
  return { port, process: child, output: () => output }
}

async function listening (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => { socket.end(); resolve(true) })
    socket.on('error', () => resolve(false))
  })
}

async function stop (child: Child | undefined): Promise<void> {
  if (child === undefined || child.process.exitCode !== null) return
  const exited = new Promise((resolve) => child.process.once('exit', resolve))
  child.process.kill('SIGTERM')
  await Promise.race([exited, sleep(10_000)])
  child.process.kill('SIGKILL')
}

function rssKb (child: Child): number {
  const status = readFileSync(`/proc/${child.process.pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN)
}

interface Load { rps: number, p50: number, p99: number, errors: number }

function onPath (command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

const WRK = onPath('wrk')
const NGINX = onPath('nginx') || existsSync('/usr/sbin/nginx')

/** wrk's "Latency 1.23ms" and distribution lines, in milliseconds. */
function wrkMs (value: string, unit: string): number {
  const factor: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 }
  return Number(value) * (factor[unit] ?? 1)
}

async function wrk (port: number, host: string, seconds: number): Promise<Load> {
  const child = spawn('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-H', `Host: ${host}`, `http://127.0.0.1:${port}/`])
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  await new Promise((resolve) => child.on('exit', resolve))
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? 0)
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s|m)$/m.exec(output)
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)$/m.exec(output)
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0)
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output)
  const socketErrors = socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0)
  return {
    rps,
    p50: p50 === null ? NaN : wrkMs(p50[1], p50[2]),
    p99: p99 === null ? NaN : wrkMs(p99[1], p99[2]),
    errors: non2xx + socketErrors
  }
}

async function load (port: number, host: string, seconds: number): Promise<Load> {
  if (WRK) return wrk(port, host, seconds)
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/`, connections: CONNECTIONS, duration: seconds, headers: { host }
  })
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)]
}
const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]
}

async function paastis (env: Record<string, string>): Promise<Child> {
  return start(path.join(DIST, 'server.js'), { HOST: '127.0.0.1', ROUTING_SYSTEM_API_TOKEN: TOKEN, START_AND_STOP_CHECKING_INTERVAL_CRON: '0 0 1 1 *', ...env })
}

async function admin (proxy: Child, method: 'POST' | 'GET', url: string): Promise<void> {
  const response = await request(`http://127.0.0.1:${proxy.port}${url}`, { method, headers: { host: 'localhost', authorization: `Bearer ${TOKEN}` } })
  await response.body.dump()
}

/** An app that is always up, served by the shared upstream (start/stop/status are no-ops). */
function alwaysUpYaml (upstream: number): string {
  return `apps:\n  - name: bench\n    start: 'true'\n    stop: 'true'\n    status: 'true'\n    upstream: http://127.0.0.1:${upstream}\n`
}

interface WarmRow { target: string, rps: number, p50: number, p99: number, rssKb: number | null, errors: number }

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
  children.push(child)
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
  const targets: Array<[string, number, string, Child | undefined]> = [
    ['direct upstream (the limit)', upstream.port, 'bench.localhost', undefined],
    ...(nginx === undefined ? [] : [['nginx, 1 worker, upstream keepalive', nginx.port, 'bench.localhost', nginx] as [string, number, string, Child]]),
    ['node:http + undici Pool, no framework (the Node ceiling)', ceiling.port, 'bench.localhost', ceiling],
    ['Fastify catch-all + @fastify/reply-from', replyFrom.port, 'bench.localhost', replyFrom],
    ['Fastify + @fastify/http-proxy', bare.port, 'bench.localhost', bare],
    [PAASTIS_ROW, proxy.port, 'bench.localhost', proxy]
  ]
  for (const [, port, host] of targets) await load(port, host, 1) // warm-up
  const samples = new Map<string, Load[]>()
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, port, host] of targets) samples.set(name, [...(samples.get(name) ?? []), await load(port, host, SECONDS)])
  }
  const rows = targets.map(([name, , , child]): WarmRow => {
    const runs = samples.get(name) as Load[]
    return {
      target: name,
      rps: median(runs.map((r) => r.rps)),
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      rssKb: child === undefined || child.process.pid === undefined ? null : rssKb(child),
      errors: runs.reduce((sum, r) => sum + r.errors, 0)
    }
  })
  for (const child of [nginx, ceiling, replyFrom, bare, proxy]) await stop(child)
  const paastisRps = rows[rows.length - 1].rps
  const ratios = Object.fromEntries(rows.slice(0, -1).map((row) => [row.target, paastisRps / row.rps]))
  return { rows, ratios }
}

/** Each pool setting of Paastis against the reply-from proxy, back to back. */
async function knobs (upstream: Child, configFile: string): Promise<Array<{ knob: string, ratio: number }>> {
  const bare = await start(path.join(DIST, 'bench', 'reply-from-proxy.js'), { UPSTREAM: `http://127.0.0.1:${upstream.port}` })
  const variants: Array<[string, Record<string, string>]> = [
    ['defaults (connections 128, pipelining 1, keep-alive 60s)', {}],
    ['connections 50 (= client connections)', { PROXY_CONNECTIONS: '50' }],
    ['connections 256', { PROXY_CONNECTIONS: '256' }],
    ['pipelining 4', { PROXY_PIPELINING: '4' }],
    ['keep-alive 4s (undici default)', { PROXY_KEEP_ALIVE_TIMEOUT: '4s' }]
  ]
  const out: Array<{ knob: string, ratio: number }> = []
  for (const [knob, env] of variants) {
    const proxy = await paastis({ PAASTIS_CONFIG_FILE: configFile, ...env })
    await load(proxy.port, 'bench.localhost', 1)
    const reference = await load(bare.port, 'bench.localhost', KNOB_SECONDS)
    const measured = await load(proxy.port, 'bench.localhost', KNOB_SECONDS)
    out.push({ knob, ratio: measured.rps / reference.rps })
    await stop(proxy)
  }
  await stop(bare)
  return out
}

interface ColdResult { overheadMs: number, worstOverheadMs: number, wakeMs: number, burst: { requests: number, ok: number, starts: number, p99Ms: number } }

async function cold (): Promise<ColdResult> {
  const appPort = await freePort()
  const readyFile = path.join(work, 'ready')
  const startLog = path.join(work, 'starts')
  const configFile = path.join(work, 'cold.yml')
  writeFileSync(configFile, `apps:\n  - name: cold\n    run: node ${JSON.stringify(path.join(DIST, 'bench', 'upstream.js'))}\n    port: ${appPort}\n` +
    `    env: { READY_DELAY_MS: '500', READY_FILE: ${JSON.stringify(readyFile)}, START_LOG: ${JSON.stringify(startLog)} }\n`)
  const proxy = await paastis({ PAASTIS_CONFIG_FILE: configFile })
  const overheads: number[] = []
  const wakes: number[] = []
  for (let i = 0; i < (QUICK ? 2 : 10); i++) {
    await admin(proxy, 'POST', '/apps/cold/stop')
    rmSync(readyFile, { force: true })
    const begin = Date.now()
    const response = await request(`http://127.0.0.1:${proxy.port}/`, { headers: { host: 'cold.localhost' } })
    const firstByte = Date.now()
    await response.body.dump()
    const readyAt = Number(readFileSync(readyFile, 'utf8'))
    overheads.push(firstByte - readyAt)
    wakes.push(firstByte - begin)
  }
  await admin(proxy, 'POST', '/apps/cold/stop')
  rmSync(startLog, { force: true })
  const burst = QUICK ? 200 : 1000
  const latencies = await Promise.all(Array.from({ length: burst }, async () => {
    const begin = Date.now()
    const response = await request(`http://127.0.0.1:${proxy.port}/`, { headers: { host: 'cold.localhost' } })
    await response.body.dump()
    return { ms: Date.now() - begin, ok: response.statusCode === 200 }
  }))
  const starts = readFileSync(startLog, 'utf8').trim().split('\n').length
  await stop(proxy)
  return {
    overheadMs: median(overheads),
    worstOverheadMs: Math.max(...overheads),
    wakeMs: median(wakes),
    burst: { requests: burst, ok: latencies.filter((l) => l.ok).length, starts, p99Ms: percentile(latencies.map((l) => l.ms), 0.99) }
  }
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
    children.push(redis)
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
    const reference = await load(bare.port, 'bench.localhost', SECONDS)
    const inMemory = await load(memory.port, 'bench.localhost', SECONDS)
    const inRedis = await load(shared.port, 'bench.localhost', SECONDS)
    ratios.push(inRedis.rps / reference.rps)
    memoryRatios.push(inMemory.rps / reference.rps)
  }
  await Promise.all([stop(memory), stop(shared), stop(bare)])
  redis.kill('SIGKILL')
  return { ratio: median(ratios), memoryRatio: median(memoryRatios) }
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

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
  const scaleResult = await scale()
  const historyResult = await heavyHistory()

  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${fmt(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`
  const lines = [
    '## Warm path (1 KB upstream, 50 connections, ' + `${SECONDS} s × ${ROUNDS} rounds interleaved, medians; load from ${WRK ? 'wrk, 1 thread' : 'autocannon (wrk is not installed: apt-get install -y wrk)'})`,
    '',
    '| target | req/s | Paastis ÷ target | p50 ms | p99 ms | proxy RSS MiB | errors |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...warmResult.rows.map((r) => `| ${r.target} | ${fmt(r.rps)} | ${r.target === PAASTIS_ROW ? '–' : fmt(warmResult.ratios[r.target], 2)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${r.rssKb === null ? '–' : fmt(r.rssKb / 1024, 1)} | ${r.errors} |`),
    ...(NGINX ? [] : ['', 'nginx is not installed (apt-get install -y nginx-light): its row is left out.']),
    '',
    `Targets: Paastis ÷ Fastify catch-all + reply-from **${fmt(warmResult.ratios['Fastify catch-all + @fastify/reply-from'], 3)}** (≥ 1.0), ` +
      `Paastis ÷ the Node ceiling **${fmt(warmResult.ratios['node:http + undici Pool, no framework (the Node ceiling)'], 3)}** (stretch: ≥ 0.8).`,
    '',
    '### Upstream pool knobs (Paastis req/s ÷ Fastify + reply-from req/s, measured back to back, ' + `${KNOB_SECONDS} s each)`,
    '',
    '| setting | ratio |',
    '|---|---:|',
    ...knobResult.map((k) => `| ${k.knob} | ${fmt(k.ratio, 3)} |`),
    '',
    'Each knob is one short sample against its own reference: differences under ~10% are noise here. The defaults',
    "keep idle connections to the apps for 60 s (undici's 4 s default closes and reopens them under steady load) and",
    'keep pipelining at 1: pipelining to arbitrary apps risks head-of-line blocking behind a slow response and is unsafe',
    'for non-idempotent requests, for a gain that stays within the noise.',
    '',
    '## Cold path',
    '',
    '| measure | value |',
    '|---|---:|',
    `| Paastis overhead: first byte − app ready, median of ${QUICK ? 2 : 10} wakes (target ≤ 10 ms) | ${fmt(coldResult.overheadMs)} ms |`,
    `| … worst of them (target ≤ 30 ms) | ${fmt(coldResult.worstOverheadMs)} ms |`,
    `| request → first byte, app booting in 500 ms (median) | ${fmt(coldResult.wakeMs)} ms |`,
    `| ${coldResult.burst.requests} concurrent requests to the sleeping app: answered 200 | ${coldResult.burst.ok} |`,
    `| … provider start calls (must be 1) | ${coldResult.burst.starts} |`,
    `| … p99 latency | ${fmt(coldResult.burst.p99Ms)} ms |`,
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
      : `Warm path ÷ Fastify + reply-from: in-memory ${fmt(redisResult.memoryRatio, 3)}, Redis ${fmt(redisResult.ratio, 3)} (must be equal: no Redis on the request path).`
  ]
  const table = lines.join('\n')
  console.log(table)

  const results = { warm: warmResult.ratios, overheadMs: coldResult.overheadMs, worstOverheadMs: coldResult.worstOverheadMs, tickMs: scaleResult.tickMs, redis: redisResult?.ratio }
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

interface Results { warm: Record<string, number>, overheadMs: number, worstOverheadMs?: number, tickMs: number, redis?: number }

function describeChanges (before: Results, after: Results): string {
  // Rows of an older table that no longer exist are shown as –.
  const ratio = (results: Results, row: string): string => results.warm[row] === undefined ? '–' : fmt(results.warm[row], 3)
  return [
    ...Object.keys(after.warm).map((row) => `- Paastis ÷ ${row}: ${ratio(before, row)} → ${ratio(after, row)}`),
    ...(before.warm['c/b'] === undefined ? [] : [`- (previous table: Paastis ÷ bare @fastify/http-proxy measured by autocannon, ${fmt(before.warm['c/b'], 3)})`]),
    `- cold-start overhead, median: ${fmt(before.overheadMs)} ms → ${fmt(after.overheadMs)} ms`,
    `- cold-start overhead, worst: ${before.worstOverheadMs === undefined ? '–' : `${fmt(before.worstOverheadMs)} ms`} → ${fmt(after.worstOverheadMs ?? NaN)} ms`,
    `- scheduler tick: ${fmt(before.tickMs, 1)} ms → ${fmt(after.tickMs, 1)} ms`,
    `- Redis warm ratio: ${before.redis === undefined ? '–' : fmt(before.redis, 3)} → ${after.redis === undefined ? '–' : fmt(after.redis, 3)}`
  ].join('\n')
}

async function startUpstream (port: number): Promise<Child> {
  return start(path.join(DIST, 'bench', 'upstream.js'), { PORT: String(port) })
}

run().then(() => {
  cleanup()
  process.exit(0)
}, (err: Error) => {
  console.error(`the bench could not run: ${err.message}`)
  cleanup()
  process.exit(1)
})

function cleanup (): void {
  for (const child of children) child.kill('SIGKILL')
  rmSync(work, { recursive: true, force: true })
}
