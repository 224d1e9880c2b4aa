// The Paastis application as a Fastify plugin: fastify-cli (`fastify start`) and server.ts load it.
import AutoLoad from '@fastify/autoload'
import { LogController, type FastifyError, type FastifyInstance, type FastifyPluginOptions, type FastifyReply, type FastifyRequest } from 'fastify'
import { STATUS_CODES, type IncomingMessage } from 'node:http'
import path from 'node:path'
import type { Clock } from './lib/clock'
import { PaastisError } from './lib/errors'
import { escapeHtml } from './lib/html'
import { loggerOptions } from './lib/logger'

export interface AppOptions extends FastifyPluginOptions {
  /** The environment to read instead of process.env and .env (tests). */
  env?: Record<string, string | undefined>
  clock?: Clock
  /** Variables set by command-line flags, and the flag of each: errors name the flag. */
  flags?: Record<string, string>
  /** `paastis check`: configuration and one listing only; nothing is started or stopped. */
  check?: boolean
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on the catch-all proxy routes. */
    proxied?: boolean
  }
}

/** Fastify server options, applied by `fastify start -o` and by server.ts. */
export const options = {
  logger: loggerOptions(),
  // Proxied traffic is the hot path: a log line per request costs more than the proxy itself.
  // LOG_REQUESTS=true switches request logging on.
  logController: new LogController({ disableRequestLogging: process.env.LOG_REQUESTS !== 'true' }),
  // Hosts are routed exactly; a trailing slash is the app's business, not ours.
  routerOptions: { ignoreTrailingSlash: false },
  return503OnClosing: true,
  rewriteUrl: absoluteForm
}

/**
 * `GET http://app.example.com/path HTTP/1.1` (RFC 9112 §3.2.2): a server must accept the
 * absolute form, whose authority then is the Host; routing sees the path.
 */
export function absoluteForm (req: IncomingMessage): string {
  const url = req.url ?? '/'
  if (url.charCodeAt(0) === 47) return url // '/': the origin form, nearly every request
  const match = /^https?:\/\/([^/?#]*)([^#]*)/i.exec(url)
  if (match === null) return url
  req.headers.host = match[1]
  return match[2] === '' ? '/' : match[2].startsWith('/') ? match[2] : `/${match[2]}`
}

export default async function app (fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  fastify.setErrorHandler(renderError)
  fastify.setNotFoundHandler((request, reply) => {
    renderError(new PaastisError(404, 'NOT_FOUND', `Route ${request.method} ${request.url.split('?')[0]} not found`), request, reply)
  })
  await fastify.register(AutoLoad, { dir: path.join(__dirname, 'plugins'), options: opts })
  await fastify.register(AutoLoad, {
    dir: path.join(__dirname, 'routes'),
    options: opts,
    autoHooks: true,
    cascadeHooks: true,
    dirNameRoutePrefix: false
  })
}

interface ErrorBody {
  statusCode: number
  code: string
  error: string
  message: string
}

/** One error handler: JSON {statusCode, code, error, message}; browsers on a proxied vhost get HTML. */
export function renderError (err: FastifyError | PaastisError, request: FastifyRequest, reply: FastifyReply): void {
  const statusCode = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500
  const body: ErrorBody = {
    statusCode,
    code: err.code ?? 'INTERNAL_ERROR',
    error: STATUS_CODES[statusCode] ?? 'Error',
    message: err.message
  }
  if (err instanceof PaastisError) {
    reply.headers(err.headers)
  } else if (err.validation !== undefined) {
    body.code = 'BAD_REQUEST'
    body.message = describeValidation(err)
  } else if (statusCode >= 500) {
    // Unexpected: log it, tell the client nothing of the internals.
    request.log.error({ err }, 'request failed')
    body.message = 'Internal Server Error'
    body.code = 'INTERNAL_ERROR'
  }
  // A body left unread (an error answered first, or a client waiting for 100 Continue) would
  // keep the connection busy for ever: close it once the answer is sent.
  if (request.raw.complete === false) reply.header('connection', 'close')
  if (request.routeOptions.config?.proxied === true && request.headers.accept?.includes('text/html') === true) {
    reply.code(statusCode).type('text/html; charset=utf-8').send(errorPage(body))
    return
  }
  reply.code(statusCode).send(body)
}

/** "querystring/state must be equal to one of the allowed values" → the values, listed. */
function describeValidation (err: FastifyError): string {
  return (err.validation ?? []).map((issue) => {
    const field = `${err.validationContext ?? 'request'}${issue.instancePath.replace(/\//g, '.')}`
    if (issue.keyword === 'enum') return `${field} must be one of: ${(issue.params.allowedValues as string[]).join(', ')}`
    return `${field} ${issue.message ?? 'is invalid'}`
  }).join('; ')
}

function errorPage (body: ErrorBody): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${body.statusCode} ${escapeHtml(body.error)}</title>` +
    '<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}code{color:#666}</style></head>' +
    `<body><h1>${body.statusCode} ${escapeHtml(body.error)}</h1><p>${escapeHtml(body.message)}</p><p><code>${escapeHtml(body.code)}</code> · Paastis</p></body></html>\n`
}
