// The dashboard's sign-in: the admin token, posted once, becomes a session cookie (httpOnly,
// SameSite=Strict, signed with a key derived from the token, so that every replica accepts it
// and a new token ends every session). A call that changes something also carries the session's
// CSRF token in a header, which a page of another site can neither read nor send.
import { fastifyCookie } from '@fastify/cookie'
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { RedisRevocations, redisKeys } from '../lib/stores/redis-store'
import { SessionRevocations } from '../lib/access/session-revocations'

export const SESSION_COOKIE = 'paastis_session'
const CSRF_HEADER = 'x-csrf-token'
const SESSION_MS = 12 * 3_600_000

export interface AdminSession {
  /** The header a change from the dashboard carries its CSRF token in. */
  readonly csrfHeader: string
  /** The session this request's cookie carries, when valid and not expired. */
  of(request: FastifyRequest): string | undefined
  /** The CSRF token bound to a session. */
  csrfToken(session: string): string
  /** Whether the request carries the CSRF token of its session. */
  csrfOk(request: FastifyRequest, session: string): boolean
  open(request: FastifyRequest, reply: FastifyReply): { csrfToken: string, expiresAt: string }
  /** Signs out: the cookie is cleared and the session revoked on every replica. */
  close(reply: FastifyReply, session: string | undefined): Promise<void>
  /** Ends every session, on every replica. */
  closeAll(): Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    adminSession: AdminSession
  }
}

export default fp(async function adminSession (fastify: FastifyInstance) {
  const { settings, clock } = fastify
  // A shared registry (Redis) shares the revocations too; `paastis check` has none.
  const shared = fastify.registrySync !== undefined
  const revocations = new SessionRevocations(shared ? new RedisRevocations(fastify.redis, redisKeys(fastify.config.REGISTRY_REDIS_PREFIX)) : undefined, () => clock.now())
  const refresh = async (): Promise<void> => {
    await revocations.refresh().catch((err: Error) => { fastify.log.debug(`session revocations not read: ${err.message}`) })
  }
  let timer: NodeJS.Timeout | undefined
  fastify.addHook('onReady', async () => {
    await refresh()
    timer = setInterval(() => { void refresh() }, shared ? settings.redisSyncIntervalMs : 60_000).unref()
  })
  fastify.addHook('onClose', async () => { clearInterval(timer) })
  // Cookies are parsed when a session is looked for, never by a hook: the proxied path (which
  // hijacks its replies) pays nothing.
  await fastify.register(fastifyCookie, { hook: false })
  // No token, no admin API, no session: a random key that nothing can sign for.
  const key = createHmac('sha256', settings.adminToken ?? randomBytes(32)).update('paastis dashboard session').digest()
  const signer = fastifyCookie.signerFactory(key)
  const csrfToken = (session: string): string => createHmac('sha256', key).update(`csrf:${session}`).digest('base64url')

  const cookie = (request: FastifyRequest, value: string, maxAgeSeconds: number): string => fastifyCookie.serialize(SESSION_COOKIE, value, {
    httpOnly: true,
    sameSite: 'strict',
    // Browsers drop Secure cookies over plain http (a loopback admin host); behind TLS, always.
    secure: request.protocol === 'https',
    path: '/',
    maxAge: maxAgeSeconds
  })

  fastify.decorate<AdminSession>('adminSession', {
    of (request) {
      const header = request.headers.cookie
      if (header === undefined || !header.includes(SESSION_COOKIE)) return undefined
      const raw = fastify.parseCookie(header)[SESSION_COOKIE]
      if (raw === undefined) return undefined
      const { valid, value } = signer.unsign(raw)
      if (!valid) return undefined
      const expires = Number(value.split('.')[0])
      if (!Number.isFinite(expires) || expires <= clock.now()) return undefined
      return revocations.isRevoked(value, expires - SESSION_MS) ? undefined : value
    },
    csrfHeader: CSRF_HEADER,
    csrfToken,
    csrfOk (request, session) {
      const sent = request.headers[CSRF_HEADER]
      if (typeof sent !== 'string') return false
      const expected = Buffer.from(csrfToken(session))
      const given = Buffer.from(sent)
      return given.length === expected.length && timingSafeEqual(given, expected)
    },
    open (request, reply) {
      const expires = clock.now() + SESSION_MS
      const session = `${expires}.${randomBytes(16).toString('base64url')}`
      void reply.header('set-cookie', cookie(request, signer.sign(session), SESSION_MS / 1000))
      return { csrfToken: csrfToken(session), expiresAt: new Date(expires).toISOString() }
    },
    async close (reply, session) {
      void reply.header('set-cookie', fastifyCookie.serialize(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/', maxAge: 0 }))
      // Revoked here at once; the other replicas read it within a sync (Redis away: this one only, logged).
      if (session !== undefined) await revocations.revoke(session, Number(session.split('.')[0])).catch((err: Error) => { fastify.log.warn(`the sign-out could not be shared with the other replicas: ${err.message}`) })
    },
    async closeAll () {
      await revocations.revokeAll().catch((err: Error) => { fastify.log.warn(`ending every session could not be shared with the other replicas: ${err.message}`) })
    }
  })
}, { name: 'admin-session', dependencies: ['settings', 'clock', 'config', 'redis', 'registry'] })
