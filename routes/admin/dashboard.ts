// The dashboard on ADMIN_HOST at `/`: its static files (dashboard/) under a strict
// Content-Security-Policy, and the session routes of its sign-in. The data comes from the admin
// API itself, with the session cookie.
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts'
import { readFileSync } from 'node:fs'
import path from 'node:path'

/** dashboard/ beside the sources, and copied beside dist/ by the build. */
const ASSETS = path.join(__dirname, '..', '..', 'dashboard')

/** Nothing inline, nothing from elsewhere: the page runs its own script and nothing more. */
export const DASHBOARD_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"
].join('; ')

const FILES = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' }
} as const

const sessionSchema = {
  type: 'object',
  required: ['signedIn'],
  properties: { signedIn: { type: 'boolean' }, csrfToken: { type: 'string' }, expiresAt: { type: 'string' } },
  additionalProperties: false
} as const

const dashboard: FastifyPluginAsyncJsonSchemaToTs = async (fastify) => {
  if (!fastify.adminApiEnabled) return
  const { adminSession } = fastify

  for (const [url, { file, type }] of Object.entries(FILES)) {
    const body = readFileSync(path.join(ASSETS, file))
    fastify.get(url, { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
      return reply
        .header('content-type', type)
        .header('content-security-policy', DASHBOARD_CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'no-cache')
        .send(body)
    })
  }

  fastify.get('/session', {
    config: { public: true },
    schema: { hide: true, response: { 200: sessionSchema } }
  }, async (request, reply) => {
    void reply.header('cache-control', 'no-store')
    const session = adminSession.of(request)
    return session === undefined ? { signedIn: false } : { signedIn: true, csrfToken: adminSession.csrfToken(session) }
  })

  fastify.post('/session', {
    config: { public: true },
    bodyLimit: 4096,
    schema: {
      hide: true,
      body: { type: 'object', required: ['token'], properties: { token: { type: 'string', minLength: 1, maxLength: 1000 } }, additionalProperties: false },
      response: { 200: sessionSchema }
    }
  }, async (request, reply) => {
    // The same checks as a Bearer token: ADMIN_ALLOW, the failure limit, a constant-time compare.
    fastify.verifyAdminToken(request, request.body.token)
    void reply.header('cache-control', 'no-store')
    return { signedIn: true, ...adminSession.open(request, reply) }
  })

  fastify.delete('/session', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    const session = adminSession.of(request)
    // Signing out is a change too: only the dashboard's own script may ask for it.
    if (session !== undefined) fastify.verifyAdminToken(request)
    await adminSession.close(reply, session)
    return reply.code(204).send()
  })

  fastify.delete('/sessions', {
    schema: { summary: 'Ends every dashboard session, on every replica (a lost laptop, a departed colleague)', tags: ['session'] }
  }, async (_request, reply) => {
    await adminSession.closeAll()
    return await reply.code(204).send()
  })
}

export default dashboard
