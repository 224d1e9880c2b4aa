// The Heroku fake and the Heroku provider, checked against the Platform API's own JSON
// hyper-schema (test/fixtures/heroku-platform-api.schema.json): every call the provider makes is a
// link of the schema, its body the link's schema; every answer of the fake the link's target schema.
import Ajv from 'ajv-draft-04'
import addFormats from 'ajv-formats'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { HerokuProvider } from '../../providers/heroku'
import { appRecord } from '../records'
import { FakeHeroku, HEROKU_TOKEN } from './heroku'

interface Link { href: string, method: string, title: string, schema?: object, targetSchema?: object }
type Node = Record<string, unknown>

/**
 * The schema as the API means it: `strictProperties` (interagent's keyword) is every property
 * required and no other. One difference is allowed, named in the README: the fake's apps answer on
 * 127.0.0.1, not on `*.herokuapp.com`, so `web_url` is any http URL here.
 */
function loadSchema (): Node {
  const schema = JSON.parse(readFileSync(join(__dirname, '../fixtures/heroku-platform-api.schema.json'), 'utf8')) as Node
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return
    const record = node as Node
    // Examples are documentation, and draft-04 would read their `id`s as schema ids.
    delete record.$schema
    delete record.example
    if (Array.isArray(record.required) && record.required.length === 0) delete record.required // draft-04 wants one at least
    if (record.strictProperties === true && record.properties !== undefined) {
      const names = Object.keys(record.properties as Node)
      if (names.length > 0) record.required = names
      record.additionalProperties = false
    }
    for (const value of Object.values(record)) walk(value)
  }
  walk(schema)
  const definitions = schema.definitions as Record<string, { definitions: Record<string, Node>, links: Link[] }>
  definitions.app.definitions.web_url.pattern = '^https?://[^/]+/$'
  return schema
}

const schema = loadSchema()
const definitions = schema.definitions as Record<string, { links: Link[] }>
const ajv = new Ajv({ strict: false, allErrors: true, logger: false })
addFormats(ajv)
ajv.addSchema(schema, 'heroku')

/** Every link of the resources Paastis uses, with a regular expression for its path. */
const links = ['app', 'formation', 'dyno'].flatMap((resource) => definitions[resource].links.map((link, index) => ({
  ...link,
  pointer: `heroku#/definitions/${resource}/links/${index}`,
  path: new RegExp(`^${link.href.replace(/\{\([^)]*\)\}/g, '[^/?]+')}(\\?.*)?$`)
})))

function linkOf (method: string, path: string): typeof links[number] | undefined {
  return links.find((link) => link.method === method && link.path.test(path))
}

function check (t: Test, pointer: string, value: unknown, what: string): void {
  const validate = ajv.compile({ $ref: pointer })
  t.ok(validate(value), what, { errors: ajv.errorsText(validate.errors) })
}

t.test('every call of the Heroku provider is a schema link, with a valid body, answered as the schema says', async (t) => {
  const api = new FakeHeroku()
  await api.listen()
  t.teardown(() => api.close())
  await api.addApp('shop-front', { web: 2, worker: 1 })
  const provider = new HerokuProvider({ apiToken: HEROKU_TOKEN, apiUrl: api.baseUrl, timeoutMs: 1000, retries: 0, backoffMs: 10, pollIntervalMs: 20, operationTimeoutMs: 5000 })
  const [listed] = await provider.list()
  const record = appRecord(listed.name, { provider: 'heroku', providerId: listed.providerId, state: 'running' })
  record.formation = await provider.stop(record)
  await provider.start(record)

  t.ok(api.calls.length >= 5, 'the provider listed, stopped and started')
  // One check per distinct call (the dynos are polled many times); the fetches below add calls.
  const made = [...new Map(api.calls.map((call) => [`${call.method} ${call.path}`, call])).values()]
  for (const call of made) {
    const link = linkOf(call.method, call.path)
    t.ok(link, `${call.method} ${call.path} is a link of the schema`)
    if (link?.schema !== undefined) check(t, `${link.pointer}/schema`, call.body, `${call.method} ${call.path}: the body follows the link's schema`)
    // The answers, read again now that they are recorded (GETs are safe to repeat).
    if (link?.targetSchema !== undefined && call.method === 'GET') {
      const response = await fetch(`${api.baseUrl}${call.path}`, { headers: { authorization: `Bearer ${HEROKU_TOKEN}`, accept: 'application/vnd.heroku+json; version=3' } })
      check(t, `${link.pointer}/targetSchema`, await response.json(), `${call.method} ${call.path}: the answer follows the link's target schema`)
    }
  }
  const patch = api.calls.find((call) => call.method === 'PATCH')
  t.ok(patch, 'a batch update was sent')
  const response = await fetch(`${api.baseUrl}${patch?.path ?? ''}`, {
    method: 'PATCH',
    body: JSON.stringify({ updates: [{ type: 'worker', quantity: 1 }] }),
    headers: { authorization: `Bearer ${HEROKU_TOKEN}`, accept: 'application/vnd.heroku+json; version=3', 'content-type': 'application/json' }
  })
  check(t, `${linkOf('PATCH', patch?.path ?? '')?.pointer ?? ''}/targetSchema`, await response.json(), 'the batch update answer follows its target schema')
})

t.test('the schema check itself refuses what the real API never answers', async (t) => {
  const list = linkOf('GET', '/apps')
  t.ok(list)
  const validate = ajv.compile({ $ref: `${list?.pointer ?? ''}/targetSchema` })
  t.notOk(validate([{ id: '0001-uuid', name: 'shop', web_url: 'http://127.0.0.1:1/' }]), 'an app with a non-UUID id and missing fields is refused')
  const update = linkOf('PATCH', '/apps/shop/formation')
  const body = ajv.compile({ $ref: `${update?.pointer ?? ''}/schema` })
  t.notOk(body({ updates: [{ quantity: 1 }] }), 'an update without its type is refused')
  t.ok(body({ updates: [{ type: 'web', quantity: 1 }] }), 'a batch update as the provider sends it is accepted')
})
