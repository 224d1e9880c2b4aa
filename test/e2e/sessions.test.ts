// Signing out ends the session on the server (OWASP ASVS 3.3.1): a copy of the cookie no longer
// reads nor changes anything, on any replica; DELETE /sessions ends every session at once.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { request } from 'undici'
import { appsYaml, build, eventually, freePort, portOf } from '../helper'
import { startRedis } from '../redis'

const TOKEN = 'sessions-token'

async function signIn (server: FastifyInstance): Promise<{ cookie: string, csrf: string }> {
  const response = await server.inject({ method: 'POST', url: '/session', headers: { host: 'localhost' }, payload: { token: TOKEN } })
  const cookie = String(response.headers['set-cookie']).split(';')[0]
  return { cookie, csrf: (response.json() as { csrfToken: string }).csrfToken }
}

async function reads (server: FastifyInstance, cookie: string): Promise<number> {
  const response = await request(`http://127.0.0.1:${portOf(server)}/apps`, { headers: { host: 'localhost', cookie } })
  await response.body.dump()
  return response.statusCode
}

t.test('a signed-out session is refused by every replica; DELETE /sessions ends them all', async (t) => {
  const redis = await startRedis(t)
  const yaml = appsYaml([{ name: 'guarded', port: await freePort() }])
  const env = { REGISTRY_TYPE: 'redis', REGISTRY_REDIS_URL: redis.url, REGISTRY_REDIS_SYNC_INTERVAL: '200ms', ROUTING_SYSTEM_API_TOKEN: TOKEN }
  const [a, b] = [await build(t, { yaml, env, listen: true }), await build(t, { yaml, env, listen: true })]

  const kept = await signIn(a)
  const other = await signIn(b)
  t.equal(await reads(a, kept.cookie), 200)
  t.equal(await reads(b, kept.cookie), 200, 'a session opened on one replica is accepted by the other')

  const out = await a.inject({ method: 'DELETE', url: '/session', headers: { host: 'localhost', cookie: kept.cookie, 'x-csrf-token': kept.csrf } })
  t.equal(out.statusCode, 204)
  t.match(String(out.headers['set-cookie']), /paastis_session=;.*Max-Age=0/i, 'the browser\'s cookie is cleared')
  t.equal(await reads(a, kept.cookie), 401, 'a copy of the cookie is refused at once where it signed out')
  t.ok(await eventually(async () => await reads(b, kept.cookie) === 401, 10_000), 'and by the other replica')
  const stop = await request(`http://127.0.0.1:${portOf(b)}/apps/guarded/stop`, { method: 'POST', headers: { host: 'localhost', cookie: kept.cookie, 'x-csrf-token': kept.csrf } })
  t.equal(stop.statusCode, 401, 'nor can it stop an app with its CSRF token')
  await stop.body.dump()
  t.equal(await reads(b, other.cookie), 200, 'another session is untouched')

  const all = await request(`http://127.0.0.1:${portOf(a)}/sessions`, { method: 'DELETE', headers: { host: 'localhost', authorization: `Bearer ${TOKEN}` } })
  t.equal(all.statusCode, 204)
  await all.body.dump()
  t.ok(await eventually(async () => await reads(b, other.cookie) === 401, 10_000), 'every session ends, on every replica')
  const fresh = await signIn(b)
  t.equal(await reads(b, fresh.cookie), 200, 'a session opened afterwards works')
})
