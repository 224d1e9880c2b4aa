// The deploy files of each platform, checked against what the platform requires: Heroku's app.json
// and Scalingo's scalingo.json by their manifest schemas (written here from the platforms' schema
// references), Clever Cloud's environment by its documented variables, the compose file by
// Docker Compose itself; every Paastis variable they set is one Paastis reads, and each health
// check is the path every Host answers.
import Ajv from 'ajv'
import { execFile } from 'node:child_process'
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { parse } from 'yaml'
import { readContainerLabels } from '../lib/config/container-labels'
import { envSchema } from '../lib/config/config-schema'
import { HEALTH_PATH } from '../routes/health'

const ROOT = path.join(__dirname, '..')
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8')
const VARIABLES = new Set(Object.keys(envSchema.properties))

/** One variable of a manifest: a literal, or described (Heroku and Scalingo share this shape). */
const envEntry = {
  oneOf: [
    { type: 'string' },
    {
      type: 'object',
      properties: { description: { type: 'string' }, value: { type: 'string' }, required: { type: 'boolean' }, generator: { enum: ['secret'] } },
      additionalProperties: false
    }
  ]
}
const env = { type: 'object', propertyNames: { pattern: '^[A-Z_][A-Z0-9_]*$' }, additionalProperties: envEntry }

/** Heroku's app.json (devcenter: "app.json Schema"). */
const HEROKU_APP_JSON = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 3, maxLength: 30 },
    description: { type: 'string', maxLength: 140 },
    keywords: { type: 'array', items: { type: 'string' } },
    website: { type: 'string' },
    repository: { type: 'string' },
    logo: { type: 'string' },
    success_url: { type: 'string' },
    scripts: { type: 'object', properties: { postdeploy: { type: 'string' }, 'pr-predestroy': { type: 'string' } }, additionalProperties: false },
    env,
    formation: {
      type: 'object',
      additionalProperties: { type: 'object', properties: { quantity: { type: 'integer', minimum: 0 }, size: { type: 'string' } }, required: ['quantity'], additionalProperties: false }
    },
    addons: { type: 'array' },
    buildpacks: { type: 'array', items: { type: 'object', properties: { url: { type: 'string' } }, required: ['url'], additionalProperties: false } },
    environments: { type: 'object' },
    stack: { type: 'string' },
    image: { type: 'string' }
  },
  additionalProperties: false
}

/** Scalingo's scalingo.json (its app manifest reference). */
const SCALINGO_JSON = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    website: { type: 'string' },
    logo: { type: 'string' },
    repository: { type: 'string' },
    ref: { type: 'string' },
    stack: { type: 'string' },
    env,
    formation: {
      type: 'object',
      additionalProperties: { type: 'object', properties: { amount: { type: 'integer', minimum: 0 }, size: { enum: ['S', 'M', 'L', 'XL', '2XL'] } }, additionalProperties: false }
    },
    addons: { type: 'array' },
    scripts: { type: 'object', properties: { postdeploy: { type: 'string' }, 'first-deploy': { type: 'string' } }, additionalProperties: false }
  },
  additionalProperties: false
}

/** Clever Cloud's variables a Node.js app is configured by (its environment variable reference). */
const CLEVER_VARIABLES = new Set(['CC_NODE_VERSION', 'CC_PRE_BUILD_HOOK', 'CC_POST_BUILD_HOOK', 'CC_PRE_RUN_HOOK', 'CC_RUN_COMMAND', 'CC_HEALTH_CHECK_PATH', 'CC_NODE_BUILD_TOOL', 'CC_NODE_DEV_DEPENDENCIES'])

const ajv = new Ajv({ allErrors: true, strict: false })

t.test('app.json is a valid Heroku manifest that sets only Paastis variables, safely', async (t) => {
  const manifest = JSON.parse(read('app.json')) as { env: Record<string, { value?: string, required?: boolean }>, formation: { web: object } }
  const validate = ajv.compile(HEROKU_APP_JSON)
  t.ok(validate(manifest), JSON.stringify(validate.errors))
  for (const name of Object.keys(manifest.env)) t.ok(VARIABLES.has(name), `${name} is a Paastis variable`)
  t.equal(manifest.env.PROVIDER_NAME.value, 'heroku')
  t.equal(manifest.env.PROVIDER_HEROKU_API_TOKEN.required, true, 'the token is asked for')
  t.equal(manifest.env.MANAGE_APPS.value, 'opt-in')
  t.equal(manifest.env.DRY_RUN.value, 'true')
  t.ok(manifest.formation.web, 'a web process (the Procfile)')
  t.notOk(validate({ ...manifest, env: { ...manifest.env, BAD: { valeu: 'x' } } }), 'the schema refuses a misspelt key')
})

t.test('scalingo.json is a valid Scalingo manifest that sets only Paastis variables, safely', async (t) => {
  const manifest = JSON.parse(read('scalingo.json')) as { env: Record<string, { value?: string, required?: boolean }> }
  const validate = ajv.compile(SCALINGO_JSON)
  t.ok(validate(manifest), JSON.stringify(validate.errors))
  for (const name of Object.keys(manifest.env)) t.ok(VARIABLES.has(name), `${name} is a Paastis variable`)
  t.equal(manifest.env.PROVIDER_NAME.value, 'scalingo')
  t.equal(manifest.env.PROVIDER_SCALINGO_API_TOKEN.required, true)
  t.equal(manifest.env.MANAGE_APPS.value, 'opt-in')
  t.notOk(validate({ ...manifest, formation: { web: { amount: 1, size: 'XXS' } } }), 'the schema refuses a size Scalingo has not')
})

t.test('deploy/clever-cloud.env: Clever Cloud variables it documents, the health path, npm start', async (t) => {
  const lines = read('deploy/clever-cloud.env').split('\n').filter((line) => line !== '' && !line.startsWith('#'))
  const vars = new Map(lines.map((line) => {
    const at = line.indexOf('=')
    return [line.slice(0, at), line.slice(at + 1)] as const
  }))
  for (const name of vars.keys()) t.ok(name.startsWith('CC_') ? CLEVER_VARIABLES.has(name) : VARIABLES.has(name), `${name} is known`)
  t.equal(vars.get('CC_RUN_COMMAND'), 'npm start')
  t.equal(vars.get('CC_POST_BUILD_HOOK'), 'npm run build')
  t.equal(vars.get('CC_HEALTH_CHECK_PATH'), HEALTH_PATH)
  t.equal(vars.get('MANAGE_APPS'), 'opt-in')
})

t.test('docker-compose.yml: two replicas, Redis and PostgreSQL, valid for Docker Compose', async (t) => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, { environment?: Record<string, string>, healthcheck?: { test: string[] } }> }
  const replicas = Object.entries(compose.services).filter(([name]) => name.startsWith('paastis'))
  t.equal(replicas.length, 2, 'two Paastis replicas')
  for (const [name, service] of replicas) {
    t.match(service.environment, { REGISTRY_TYPE: 'redis', EVENTS_STORE_TYPE: 'postgres', MANAGE_APPS: 'opt-in' }, name)
    for (const variable of Object.keys(service.environment ?? {})) t.ok(VARIABLES.has(variable), `${name}: ${variable} is a Paastis variable`)
    t.same(service.healthcheck?.test, ['CMD', 'node', 'dist/healthcheck.js'])
  }
  t.ok(compose.services.redis !== undefined && compose.services.postgres !== undefined)
  t.match(read('healthcheck.ts'), HEALTH_PATH, 'the image healthcheck asks the health path every Host answers')
  // Docker Compose itself (Debian's docker-compose, installed by the preflight) reads it.
  const dir = t.testdir({ '.env': '' })
  copyFileSync(path.join(ROOT, 'docker-compose.yml'), path.join(dir, 'docker-compose.yml'))
  const run = promisify(execFile)
  const ok = await run('docker-compose', ['-f', path.join(dir, 'docker-compose.yml'), 'config', '-q'], { cwd: dir }).then(() => 0, (err: { code: number }) => err.code)
  t.equal(ok, 0, 'docker-compose config accepts it')
  writeFileSync(path.join(dir, 'docker-compose.yml'), read('docker-compose.yml').replace('depends_on:', 'depends_onn:'))
  const broken = await run('docker-compose', ['-f', path.join(dir, 'docker-compose.yml'), 'config', '-q'], { cwd: dir }).then(() => 0, (err: { code: number }) => err.code)
  t.not(broken, 0, 'and refuses a misspelt key (the check can fail)')
})

t.test('examples/docker/compose.yml: Paastis, a socket proxy allowing only its calls, labelled containers; valid for Docker Compose', async (t) => {
  const text = read('examples/docker/compose.yml')
  const compose = parse(text) as { services: Record<string, { environment?: Record<string, string | number>, labels?: Record<string, string> }> }
  const paastis = compose.services.paastis
  for (const variable of Object.keys(paastis.environment ?? {})) t.ok(VARIABLES.has(variable), `${variable} is a Paastis variable`)
  t.match(paastis.environment, { PROVIDER_NAME: 'docker', DOCKER_HOST: 'tcp://socket-proxy:2375' })
  t.same(compose.services['socket-proxy'].environment, { VERSION: 1, CONTAINERS: 1, EVENTS: 1, ALLOW_START: 1, ALLOW_STOP: 1, POST: 0 }, 'the calls the README lists, no more')
  // Every label is one the docker provider reads: checked as Paastis checks them.
  for (const [name, service] of Object.entries(compose.services)) {
    if (service.labels === undefined) continue
    const read = readContainerLabels(service.labels, name)
    t.equal(read.error, undefined, `${name}'s labels`)
  }
  const dir = t.testdir({ '.env': 'ROUTING_SYSTEM_API_TOKEN=x\n' })
  writeFileSync(path.join(dir, 'compose.yml'), text.replace('build: ../..', `build: ${ROOT}`))
  const run = promisify(execFile)
  const ok = await run('docker-compose', ['-f', path.join(dir, 'compose.yml'), 'config', '-q'], { cwd: dir }).then(() => 0, (err: { code: number, stderr: string }) => err.stderr)
  t.equal(ok, 0, 'docker-compose config accepts it')
})

t.test('LICENSE: the AGPL-3.0 that package.json names', async (t) => {
  t.equal((JSON.parse(read('package.json')) as { license: string }).license, 'AGPL-3.0-or-later')
  t.match(read('LICENSE'), /^GNU AFFERO GENERAL PUBLIC LICENSE\nVersion 3, 19 November 2007/)
})

t.test('paastis.yml is not ignored by git: a git-push deploy ships the rules', async (t) => {
  t.notMatch(read('.gitignore'), /^\/?paastis\.yml$/m)
})
