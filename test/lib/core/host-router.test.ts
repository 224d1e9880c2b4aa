import t from 'tap'
import type { AppRecord } from '../../../lib/core/app-record'
import { HostRouter } from '../../../lib/core/host-router'
import { Registry } from '../../../lib/core/registry'
import { Rules } from '../../../lib/config/rules'
import { MemoryStore } from '../../../lib/core/store'
import { appRecord } from '../../records'

const record = (name: string): AppRecord => appRecord(name, { provider: 'command', state: 'running', lastActivityAt: 0 })

t.test('first label, case-insensitive, port ignored; the cache is bounded and only holds known apps', async (t) => {
  const registry = new Registry(new MemoryStore())
  await registry.save(record('my-app'))
  const router = new HostRouter(registry, new Rules(), [], 3)
  for (const host of ['my-app.proxy.example.com', 'MY-APP.example.com:8443', 'my-app', 'my-app.example.com.']) {
    t.match(router.route(host), { kind: 'app', record: { name: 'my-app' } }, host)
  }
  t.equal(router.cachedHosts, 1, 'bounded: cleared when full, at 3 hosts')
  t.same(router.route('other.example.com'), { kind: 'unknown', key: 'other' })
  t.same(router.route('127.0.0.1:3000'), { kind: 'unknown', key: '127.0.0.1:3000' }, 'an IP is no app')
  t.same(router.route(undefined), { kind: 'bad-host' })
  await registry.remove('my-app')
  t.same(router.route('my-app.proxy.example.com'), { kind: 'unknown', key: 'my-app' }, 'a forgotten app is no longer routed')
  await registry.save(record('my-app'))
  t.match(router.route('my-app.proxy.example.com'), { kind: 'app', record: { name: 'my-app' } }, 'a new record of the same name is routed')
})
