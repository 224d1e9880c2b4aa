// The Paastis application as a Fastify plugin: fastify-cli (`fastify start`) and server.ts load it.
import AutoLoad from '@fastify/autoload'
import { LogController, type FastifyInstance } from 'fastify'
import type { IncomingMessage } from 'node:http'
import path from 'node:path'
import type { AppOptions } from './lib/config/app-options'
import { loggerOptions } from './lib/common/logger'

export type { AppOptions } from './lib/config/app-options'

/** Fastify server options, applied by `fastify start -o` and by server.ts. */
export const options = {
  logger: loggerOptions(),
  // Proxied traffic is the hot path: a log line per request costs more than the proxy itself.
  // LOG_REQUESTS=true switches request logging on.
  logController: new LogController({ disableRequestLogging: process.env.LOG_REQUESTS !== 'true' }),
  // Hosts are routed exactly; a trailing slash is the app's business, not ours.
  routerOptions: { ignoreTrailingSlash: false },
  return503OnClosing: true,
  // A validation error carries the schema that failed: its description words the error.
  ajv: { customOptions: { verbose: true } },
  rewriteUrl: absoluteForm,
  // `fastify start -o` hands these options to the app too: Paastis is the process there.
  standalone: true
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
  try {
    await fastify.register(AutoLoad, { dir: path.join(__dirname, 'plugins'), options: opts })
    await fastify.register(AutoLoad, {
      dir: path.join(__dirname, 'routes'),
      options: opts,
      autoHooks: true,
      cascadeHooks: true,
      dirNameRoutePrefix: false
    })
  } catch (err) {
    // A configuration error names the variable or the file and line: one line, under any launcher.
    if (opts.standalone !== true) throw err
    fastify.log.fatal((err as Error).message)
    process.exit(1)
  }
}
