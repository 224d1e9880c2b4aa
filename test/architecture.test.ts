// The shape the folders promise, read from the imports themselves: the domain (lib/) imports
// nothing from the other folders and nothing of Fastify; no plugin reaches back into app.ts, the
// file that loads it; providers implement the domain's interface.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'

const ROOT = path.join(__dirname, '..')

/** Every module a file imports (static imports, re-exports and require), as written. */
function importsOf (file: string): string[] {
  const source = readFileSync(file, 'utf8')
  const found = [...source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'|require\('([^']+)'\)/gm)]
  return found.map((match) => match[1] ?? match[2] ?? match[3])
}

function sources (folder: string): string[] {
  return readdirSync(path.join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .map((name) => path.join(ROOT, folder, name))
}

/** Where a relative import lands, as a path from the project root. */
function target (file: string, specifier: string): string {
  return path.relative(ROOT, path.resolve(path.dirname(file), specifier))
}

t.test('the import reader sees every form of import', async (t) => {
  t.same(importsOf(path.join(ROOT, 'lib/core/lifecycle/waking.ts')).filter((s) => s.startsWith('.')).length > 5, true)
  t.ok(importsOf(path.join(ROOT, 'app.ts')).includes('./lib/config/app-options'), 'type imports and re-exports are read')
})

t.test('lib/ imports only lib/ and packages, never Fastify', async (t) => {
  const files = sources('lib')
  t.ok(files.length > 20)
  for (const file of files) {
    for (const specifier of importsOf(file)) {
      const where = path.relative(ROOT, file)
      if (specifier.startsWith('.')) t.ok(target(file, specifier).startsWith('lib/'), `${where} → ${specifier} stays in lib/`)
      else t.notOk(/^fastify(-plugin)?$/.test(specifier), `${where} → ${specifier} is not Fastify (libraries it publishes, as @fastify/proxy-addr, are plain ones)`)
    }
  }
})

/**
 * lib/'s folders, each importing only those before it in this order (and packages): the domain's
 * shape, read from the folders. `pages` and `access` stand apart: they import only `common`.
 */
const LIB_LAYERS = ['common', 'proxy', 'config', 'processes', 'core', 'stores']
const LIB_APART: Record<string, string[]> = { pages: ['common'], access: ['common'] }

t.test("lib/'s folders import in one direction only: common ← proxy ← config ← processes ← core ← stores", async (t) => {
  const folders = readdirSync(path.join(ROOT, 'lib'), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort()
  t.same(folders, [...LIB_LAYERS, ...Object.keys(LIB_APART)].sort(), 'every folder has its place (a new one is added to this test and to lib/README.md)')
  t.same(readdirSync(path.join(ROOT, 'lib')).filter((name) => name.endsWith('.ts')), [], 'no file at the top of lib/: each is in the folder of what it is')
  const readme = readFileSync(path.join(ROOT, 'lib', 'README.md'), 'utf8')
  for (const folder of folders) t.match(readme, new RegExp(`^- \\*\\*\`${folder}/\``, 'm'), `lib/README.md says what ${folder}/ holds`)
  let crossings = 0
  for (const file of sources('lib')) {
    const from = path.relative(path.join(ROOT, 'lib'), file).split(path.sep)[0]
    const allowed = LIB_APART[from] ?? LIB_LAYERS.slice(0, LIB_LAYERS.indexOf(from))
    for (const specifier of importsOf(file).filter((s) => s.startsWith('.'))) {
      const to = target(file, specifier).split('/')[1]
      if (to === from) continue
      crossings++
      t.ok(allowed.includes(to), `${path.relative(ROOT, file)} → ${specifier}: lib/${from} may import ${allowed.join(', ') || 'nothing'} of lib/`)
    }
  }
  t.ok(crossings > 20, 'the check saw the imports between folders')
})

t.test('the Provider interface has required methods only; what only a set says is ProviderGroup\'s, and no one asks which kind a provider is', async (t) => {
  const source = readFileSync(path.join(ROOT, 'lib/core/provider.ts'), 'utf8')
  const body = /export interface Provider \{([\s\S]*?)\n\}/.exec(source)?.[1] ?? ''
  t.match(body, /list\(\)/, 'the interface was found')
  t.notMatch(body, /^\s+\w+\?\s*\(/m, 'no optional method')
  for (const file of [...sources('routes'), ...sources('plugins'), ...sources('lib'), path.join(ROOT, 'server.ts')]) {
    t.notMatch(readFileSync(file, 'utf8'), /instanceof ProviderSet/, `${path.relative(ROOT, file)} does not test for a ProviderSet`)
  }
})

t.test('plugins, routes, hooks and providers never import app.ts; hooks/ holds request hooks only', async (t) => {
  for (const folder of ['plugins', 'routes', 'hooks', 'providers']) {
    for (const file of sources(folder)) {
      for (const specifier of importsOf(file).filter((s) => s.startsWith('.'))) {
        t.not(target(file, specifier), 'app', `${path.relative(ROOT, file)} does not import app.ts`)
      }
    }
  }
  for (const file of sources('hooks')) {
    t.match(readFileSync(file, 'utf8'), /FastifyRequest|FastifyInstance/, `${path.relative(ROOT, file)} is a Fastify request hook`)
  }
  for (const file of sources('providers')) {
    for (const specifier of importsOf(file).filter((s) => s.startsWith('.'))) {
      const landed = target(file, specifier)
      t.ok(landed.startsWith('lib/') || landed.startsWith('providers/'), `${path.relative(ROOT, file)} → ${specifier}: providers use the domain, nothing above it`)
    }
  }
})

t.test('cli/ is a client of the admin API: it imports lib/ types and cli/, never the server', async (t) => {
  const files = sources('cli')
  t.ok(files.length >= 3)
  for (const file of files) {
    for (const specifier of importsOf(file)) {
      const where = path.relative(ROOT, file)
      if (specifier.startsWith('.')) t.ok(/^(cli|lib)\//.test(target(file, specifier)), `${where} → ${specifier} stays in cli/ or lib/`)
      else t.notOk(/fastify/.test(specifier), `${where} → ${specifier} is not Fastify`)
    }
  }
})

t.test('plugins meet through decorators and declared dependencies, never by importing each other\'s values; routes and hooks import no plugin\'s state', async (t) => {
  let seen = 0
  for (const file of sources('plugins')) {
    // A type may be shared (the instance's types are declared plugin by plugin); a value may not.
    const values = [...readFileSync(file, 'utf8').matchAll(/^import\s+(?!type\s)[^'"]*?from\s+'(\.[^']+)'/gm)].map((match) => match[1])
    for (const specifier of values) {
      seen++
      t.notOk(target(file, specifier).startsWith('plugins/'), `${path.relative(ROOT, file)} → ${specifier}: ask the plugin's decorator (and name it in dependencies)`)
    }
  }
  t.ok(seen > 20, 'the check saw the plugins\' imports')
  for (const file of [...sources('routes'), ...sources('hooks')]) {
    const source = readFileSync(file, 'utf8')
    for (const match of source.matchAll(/^import\s+(type\s+)?\{([^}]*)\}\s+from\s+'([^']+)'/gm)) {
      if (!target(file, match[3]).startsWith('plugins/') || match[1] !== undefined) continue
      const names = match[2].split(',').map((name) => name.trim()).filter((name) => name !== '' && !name.startsWith('type '))
      for (const name of names) t.match(name, /^[A-Z][A-Z0-9_]*$/, `${path.relative(ROOT, file)} imports ${name} from ${match[3]}: only types and constants (state is the decorator's)`)
    }
  }
})

t.test('no file of lib/ is longer than 300 lines: a longer one holds more than one concept', async (t) => {
  for (const file of sources('lib')) {
    const lines = readFileSync(file, 'utf8').split('\n').length - 1
    t.ok(lines <= 300, `${path.relative(ROOT, file)}: ${lines} lines`)
  }
})

t.test('no two files of lib/ import each other, however far round (type imports included)', async (t) => {
  const graph = new Map<string, string[]>()
  for (const file of sources('lib')) {
    const from = path.relative(ROOT, file)
    const to = importsOf(file).filter((s) => s.startsWith('.')).map((specifier) => {
      const landed = target(file, specifier)
      const asFile = `${landed}.ts`
      return sources('lib').some((source) => path.relative(ROOT, source) === asFile) ? asFile : path.join(landed, 'index.ts')
    })
    graph.set(from, to)
  }
  const done = new Set<string>()
  const circles: string[] = []
  const visit = (file: string, trail: string[]): void => {
    if (trail.includes(file)) {
      circles.push([...trail.slice(trail.indexOf(file)), file].join(' → '))
      return
    }
    if (done.has(file)) return
    for (const next of graph.get(file) ?? []) visit(next, [...trail, file])
    done.add(file)
  }
  for (const file of graph.keys()) visit(file, [])
  t.ok(graph.size > 50, 'the check saw lib/')
  t.same(circles, [], 'no circle')
})
