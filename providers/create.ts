// The provider PROVIDER_NAME names, built from the configuration: its credentials, its API
// addresses (Clever Cloud's API token goes to the API bridge), its timeouts.
import { ConfigError } from '../lib/config/config-error'
import type { Env } from '../lib/config/config-schema'
import type { Logger } from '../lib/common/logger'
import type { CommandAppSpec } from '../lib/config/command-app'
import { PidFiles } from '../lib/processes/pid-files'
import { stateDir } from '../lib/processes/state-dir'
import type { Provider } from '../lib/core/provider'
import type { HttpProviderOptions } from './api-client'
import { CleverCloudProvider } from './clever-cloud'
import { CommandProvider } from './command'
import { DockerEngine } from './docker-engine'
import { DockerProvider } from './docker'
import { HerokuProvider } from './heroku'
import { ScalingoProvider } from './scalingo'

/** What the providers take from the settings (durations already in milliseconds). */
export interface ProviderSettings {
  requestTimeoutMs: number
  pollIntervalMs: number
  commandStopGraceMs: number
  hooksTimeoutMs: number
  /** The command provider's apps, and the file they come from. */
  apps: CommandAppSpec[]
  configFile: string
  /** A provider that watches its apps (Docker's events) calls this when one changed outside Paastis. */
  changed?: () => void
}

const CLEVER_API = 'https://api.clever-cloud.com'
const CLEVER_API_BRIDGE = 'https://api-bridge.clever-cloud.com'

/** Docker's CLI reads DOCKER_TLS_VERIFY as set when it is not empty (and not 0 or false, for us). */
const isSet = (value: string | undefined): boolean => value !== undefined && !['', '0', 'false'].includes(value.toLowerCase())

/** API bases are joined with paths that start with a slash. */
const base = (url: string): string => url.replace(/\/$/, '')

function required (config: Env, name: keyof Env): string {
  const value = config[name]
  if (typeof value !== 'string' || value === '') throw new ConfigError(`${name} is required with PROVIDER_NAME=${config.PROVIDER_NAME}`)
  return value
}

function httpOptions (config: Env, settings: ProviderSettings, operationTimeoutSeconds: number): HttpProviderOptions {
  return {
    timeoutMs: settings.requestTimeoutMs,
    retries: config.PROVIDER_RETRIES,
    backoffMs: 500,
    pollIntervalMs: settings.pollIntervalMs,
    operationTimeoutMs: operationTimeoutSeconds * 1000
  }
}

/** The provider PROVIDER_NAME names, from the environment and the settings derived from it. */
export function createProvider (config: Env, settings: ProviderSettings, log: Logger): Provider {
  switch (config.PROVIDER_NAME) {
    case 'command':
      return new CommandProvider(settings.apps, {
        log,
        stopGraceMs: settings.commandStopGraceMs,
        commandTimeoutMs: settings.hooksTimeoutMs,
        pidFiles: new PidFiles(stateDir(config.PAASTIS_STATE_DIR, settings.configFile))
      })
    case 'scalingo':
      return new ScalingoProvider({
        ...httpOptions(config, settings, config.PROVIDER_SCALINGO_OPERATION_TIMEOUT),
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
        ...httpOptions(config, settings, config.PROVIDER_CLEVER_OPERATION_TIMEOUT),
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
    case 'docker': {
      const timeoutMs = settings.requestTimeoutMs
      let engine: DockerEngine
      try {
        engine = new DockerEngine({
          host: config.PROVIDER_DOCKER_HOST ?? config.DOCKER_HOST,
          tlsVerify: isSet(config.PROVIDER_DOCKER_TLS_VERIFY ?? config.DOCKER_TLS_VERIFY),
          certPath: config.PROVIDER_DOCKER_CERT_PATH ?? config.DOCKER_CERT_PATH,
          timeoutMs
        })
      } catch (err) {
        throw new ConfigError((err as Error).message)
      }
      return new DockerProvider({
        engine,
        log,
        network: config.PROVIDER_DOCKER_NETWORK,
        hostAddress: config.PROVIDER_DOCKER_HOST_ADDRESS,
        stopTimeoutS: config.PROVIDER_DOCKER_STOP_TIMEOUT,
        operationTimeoutMs: config.PROVIDER_DOCKER_OPERATION_TIMEOUT * 1000,
        changed: settings.changed
      })
    }
    case 'heroku':
      return new HerokuProvider({
        ...httpOptions(config, settings, config.PROVIDER_HEROKU_OPERATION_TIMEOUT),
        apiToken: required(config, 'PROVIDER_HEROKU_API_TOKEN'),
        apiUrl: base(config.PROVIDER_HEROKU_API_URL),
        region: config.PROVIDER_REGION
      })
  }
}
