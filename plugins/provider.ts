// The provider named by PROVIDER_NAME, instrumented (calls and errors counted for /metrics).
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Env } from '../lib/config-schema'
import { parseFiniteDuration } from '../lib/duration'
import { CleverCloudProvider } from '../providers/clever-cloud'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { AppOptions } from '../lib/app-options'
import { PidFiles } from '../lib/pid-files'
import { CommandProvider } from '../providers/command'
import { HerokuProvider } from '../providers/heroku'
import { InstrumentedProvider } from '../providers/instrumented'
import type { Provider } from '../lib/provider'
import type { HttpProviderOptions } from '../providers/api-client'
import { ScalingoProvider } from '../providers/scalingo'
import { ConfigError } from './config'

declare module 'fastify' {
  interface FastifyInstance {
    provider: InstrumentedProvider
  }
}

const CLEVER_API = 'https://api.clever-cloud.com'
const CLEVER_API_BRIDGE = 'https://api-bridge.clever-cloud.com'

/** API bases are joined with paths that start with a slash. */
const base = (url: string): string => url.replace(/\/$/, '')

function required (config: Env, name: keyof Env): string {
  const value = config[name]
  if (typeof value !== 'string' || value === '') throw new ConfigError(`${name} is required with PROVIDER_NAME=${config.PROVIDER_NAME}`)
  return value
}

function httpOptions (config: Env, operationTimeoutSeconds: number): HttpProviderOptions {
  return {
    timeoutMs: parseFiniteDuration(config.PROVIDER_REQUEST_TIMEOUT, 's'),
    retries: config.PROVIDER_RETRIES,
    backoffMs: 500,
    pollIntervalMs: parseFiniteDuration(config.PROVIDER_POLL_INTERVAL, 's'),
    operationTimeoutMs: operationTimeoutSeconds * 1000
  }
}

function createProvider (fastify: FastifyInstance): Provider {
  const { config, settings } = fastify
  switch (config.PROVIDER_NAME) {
    case 'command':
      return new CommandProvider(settings.file.apps, {
        log: fastify.log.child({ provider: 'command' }),
        stopGraceMs: settings.commandStopGraceMs,
        commandTimeoutMs: settings.hooksTimeoutMs,
        pidFiles: new PidFiles(stateDir(config.PAASTIS_STATE_DIR, settings.file.path))
      })
    case 'scalingo':
      return new ScalingoProvider({
        ...httpOptions(config, config.PROVIDER_SCALINGO_OPERATION_TIMEOUT),
        apiToken: required(config, 'PROVIDER_SCALINGO_API_TOKEN'),
        authUrl: base(config.PROVIDER_SCALINGO_AUTH_URL),
        apiUrl: config.PROVIDER_SCALINGO_API_URL === undefined ? undefined : base(config.PROVIDER_SCALINGO_API_URL),
        region: config.PROVIDER_REGION
      })
    case 'clever-cloud': {
      const token = config.PROVIDER_CLEVER_API_TOKEN
      // An API token works on the API bridge; an explicit API host is kept (tests, proxies).
      const apiHost = token !== undefined && config.PROVIDER_CLEVER_API_HOST === CLEVER_API ? CLEVER_API_BRIDGE : config.PROVIDER_CLEVER_API_HOST
      return new CleverCloudProvider({
        ...httpOptions(config, config.PROVIDER_CLEVER_OPERATION_TIMEOUT),
        apiHost: base(apiHost),
        apiToken: token,
        oauth: token !== undefined
          ? undefined
          : {
              consumerKey: required(config, 'PROVIDER_CLEVER_OAUTH_CONSUMER_KEY'),
              consumerSecret: required(config, 'PROVIDER_CLEVER_OAUTH_CONSUMER_SECRET'),
              token: required(config, 'PROVIDER_CLEVER_TOKEN'),
              tokenSecret: required(config, 'PROVIDER_CLEVER_SECRET')
            },
        region: config.PROVIDER_REGION,
        vhostScheme: config.PROVIDER_CLEVER_VHOST_SCHEME
      })
    }
    case 'heroku':
      return new HerokuProvider({
        ...httpOptions(config, config.PROVIDER_HEROKU_OPERATION_TIMEOUT),
        apiToken: required(config, 'PROVIDER_HEROKU_API_TOKEN'),
        apiUrl: base(config.PROVIDER_HEROKU_API_URL),
        region: config.PROVIDER_REGION
      })
  }
}

/** PAASTIS_STATE_DIR, or one folder per paastis.yml under the system's temporary folder. */
function stateDir (configured: string, configFile: string): string {
  if (configured !== '') return path.resolve(configured)
  const id = createHash('sha256').update(path.resolve(configFile)).digest('hex').slice(0, 16)
  return path.join(tmpdir(), `paastis-${id}`)
}

export default fp(async function provider (fastify: FastifyInstance, opts: AppOptions) {
  const inner = createProvider(fastify)
  // `paastis check` may run beside a live Paastis: it never touches its processes.
  if (inner instanceof CommandProvider && opts.check !== true) await inner.recover()
  const provider = new InstrumentedProvider(inner)
  fastify.decorate('provider', provider)
  // Processes Paastis spawned stop with it.
  fastify.addHook('onClose', async () => { await provider.close() })
}, { name: 'provider', dependencies: ['config'] })
