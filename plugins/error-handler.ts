// The one error handler: every error code of the catalogue (lib/common/error-codes.ts) gets its HTTP
// status here, and every answer is JSON {statusCode, code, error, message} (browsers on a proxied
// vhost get the same as a small page).
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { STATUS_CODES } from 'node:http'
import type { ErrorCode } from '../lib/common/error-codes'
import { PaastisError } from '../lib/common/errors'
import { issueInWords } from '../lib/common/schema-words'
import type { VisitorPages } from '../lib/pages/visitor-pages'

/** The status of each code, in one place (sablier's problemdetail, supabase/storage's renderer). */
const STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  BAD_HOST: 400,
  NOT_FOUND: 404,
  UNKNOWN_APP: 404,
  DISCOVERY_PENDING: 503,
  APP_IGNORED: 503,
  APP_NOT_MANAGED: 409,
  APP_ASLEEP: 503,
  TOO_MANY_WAITING: 503,
  WAKE_TIMEOUT: 503,
  WAKE_FAILED: 503,
  WAKE_BACKOFF: 503,
  APP_UNREACHABLE: 502,
  APP_TIMEOUT: 504,
  CLIENT_TIMEOUT: 408,
  TOO_MANY_CONNECTIONS: 503,
  STOP_VETOED: 409,
  STOP_FAILED: 409,
  CONFIG_INVALID: 422,
  EVENTS_UNAVAILABLE: 503,
  ADMIN_API_DISABLED: 404,
  ADMIN_FORBIDDEN: 403,
  UNAUTHORIZED: 401,
  CSRF_FAILED: 403,
  TOO_MANY_AUTH_FAILURES: 429,
  INTERNAL_ERROR: 500
}

export interface ErrorBody {
  statusCode: number
  code: ErrorCode
  error: string
  message: string
}

/** The body of an error, also for the answers written on a raw socket (plugins/connections.ts). */
export function errorBody (code: ErrorCode, message: string): ErrorBody {
  const statusCode = STATUS[code]
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The body of an error with its status, for answers written on a raw socket (plugins/connections.ts). */
    errorBody: typeof errorBody
  }
  interface FastifyContextConfig {
    /** Set on the catch-all proxy routes: browsers there get an HTML error page. */
    proxied?: boolean
  }
}

/** One error handler: JSON {statusCode, code, error, message}; browsers on a proxied vhost get HTML. */
export function renderError (err: FastifyError | PaastisError, request: FastifyRequest, reply: FastifyReply, pages: VisitorPages): void {
  let body: ErrorBody
  if (err instanceof PaastisError) {
    body = errorBody(err.code, err.message)
    if (err.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.retryAfterSeconds))
    if (err.code === 'UNAUTHORIZED') reply.header('www-authenticate', 'Bearer realm="paastis"')
  } else if (err.validation !== undefined) {
    body = errorBody('BAD_REQUEST', describeValidation(err))
  } else if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    // Fastify's own refusals (a malformed body, a body too large): its status and words.
    body = { statusCode: err.statusCode, code: 'BAD_REQUEST', error: STATUS_CODES[err.statusCode] ?? 'Error', message: err.message }
  } else {
    // Unexpected: log it, tell the client nothing of the internals.
    request.log.error({ err }, 'request failed')
    body = errorBody('INTERNAL_ERROR', 'Internal Server Error')
  }
  // A body left unread (an error answered first, or a client waiting for 100 Continue) would
  // keep the connection busy for ever: close it once the answer is sent.
  if (request.raw.complete === false) reply.header('connection', 'close')
  if (request.routeOptions.config?.proxied === true && request.headers.accept?.includes('text/html') === true) {
    reply.code(body.statusCode).type('text/html; charset=utf-8').send(pages.error(body.statusCode, body.code))
    return
  }
  reply.code(body.statusCode).send(body)
}

const CONTEXTS: Record<string, string> = { querystring: 'the query', params: 'the path', body: 'the body', headers: 'the headers' }

/** "querystring/for must match pattern …" → "for (in the query) must be a duration with its unit…". */
function describeValidation (err: FastifyError): string {
  const where = CONTEXTS[err.validationContext ?? ''] ?? 'the request'
  return (err.validation ?? []).map((issue) => {
    const field = issue.instancePath.replace(/^\//, '').replace(/\//g, '.')
    return issueInWords(field === '' ? where : `${field} (in ${where})`, issue)
  }).join('; ')
}

export default fp(async function errorHandler (fastify: FastifyInstance) {
  const { visitorPages } = fastify
  fastify.decorate('errorBody', errorBody)
  fastify.setErrorHandler((err: FastifyError | PaastisError, request, reply) => { renderError(err, request, reply, visitorPages) })
  fastify.setNotFoundHandler((request, reply) => {
    renderError(new PaastisError('NOT_FOUND', `Route ${request.method} ${request.url.split('?')[0]} not found`), request, reply, visitorPages)
  })
}, { name: 'error-handler', dependencies: ['visitor-pages'] })
