// The apps: list, one, start, stop, pin, and clearing the registry. The routes translate: what an
// app looks like is lib/core/app-view.ts's, what a stop or a pin does is the lifecycle's.
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts'
import type { FastifyReply } from 'fastify'
import type { AppAccount } from '../../lib/core/accounting'
import type { AppRecord } from '../../lib/core/app-record'
import { appUrl } from '../../lib/core/app-url'
import { appView } from '../../lib/core/app-view'
import { pinMs, PIN_DURATION } from '../../lib/core/pin-duration'
import { appNotManaged, noAppNamed, PaastisError, WakeError, wakeError } from '../../lib/common/errors'
import { appNameParams, appSchema, errorResponses, errorSchema } from './schemas'

// Request types are inferred from the route schemas (json-schema-to-ts): they cannot drift.
const apps: FastifyPluginAsyncJsonSchemaToTs = async (fastify) => {
  const { registry, lifecycle, clock, accounting, rules, settings } = fastify

  const view = (app: AppRecord, accounts: Map<string, AppAccount>, hosts = rules.exactHosts()) =>
    appView(app, rules.policyFor(app.name).schedule, accounts.get(app.name), clock.now(), appUrl(app.name, settings.appsUrl, hosts))

  const accountsNow = async (): Promise<Map<string, AppAccount>> => await accounting.all()

  /** A start the caller does not wait for (an admin's start ignores a failure backoff): 202. */
  async function startInBackground (app: AppRecord, cause: string, reply: FastifyReply) {
    lifecycle.wake(app.name, cause, true).catch(() => {}) // the outcome is an event
    return reply.code(202).send({ ...view(app, await accountsNow()), state: 'starting' })
  }

  function find (name: string): AppRecord {
    const app = registry.get(name)
    if (app === undefined) throw noAppNamed(name)
    return app
  }

  fastify.get('/apps', {
    schema: {
      summary: 'Every app Paastis knows, with its state and time left before it is stopped',
      tags: ['apps'],
      querystring: {
        type: 'object',
        properties: { state: appSchema.properties.state, provider: { type: 'string' } },
        additionalProperties: false
      },
      response: { 200: { type: 'array', items: appSchema }, ...errorResponses }
    }
  }, async (request) => {
    const { state, provider } = request.query
    const accounts = await accountsNow()
    const hosts = rules.exactHosts()
    return registry.list()
      .filter((app) => (state === undefined || app.state === state) && (provider === undefined || app.provider === provider))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((app) => view(app, accounts, hosts))
  })

  fastify.get('/apps/:name', {
    schema: { summary: 'One app', tags: ['apps'], params: appNameParams, response: { 200: appSchema, ...errorResponses } }
  }, async (request) => {
    const app = find(request.params.name)
    return view(app, await accountsNow())
  })

  fastify.post('/apps/:name/start', {
    schema: {
      summary: 'Start an app (the same single-flight start as a request); ?wait=true waits until it answers',
      tags: ['apps'],
      params: appNameParams,
      querystring: { type: 'object', properties: { wait: { type: 'boolean', default: false } }, additionalProperties: false },
      response: {
        200: { description: 'Started and answering (wait=true), or already running', ...appSchema },
        202: { description: 'Start under way', ...appSchema },
        409: { description: 'The app is ignored by Paastis', ...errorSchema },
        503: { description: 'The start failed or timed out', ...errorSchema },
        ...errorResponses
      }
    }
  }, async (request, reply) => {
    const app = find(request.params.name)
    if (app.ignored) throw appNotManaged(app.name)
    if (app.state === 'running') return view(app, await accountsNow())
    if (request.query.wait !== true) return await startInBackground(app, 'admin', reply)
    try {
      await lifecycle.wake(app.name, 'admin', true)
    } catch (err) {
      throw err instanceof WakeError ? wakeError(err) : err
    }
    return view(app, await accountsNow())
  })

  fastify.post('/apps/:name/stop', {
    schema: {
      summary: 'Stop an app now (the before-stop hook may veto it)',
      tags: ['apps'],
      params: appNameParams,
      response: {
        200: {
          type: 'object',
          required: ['stopped', 'app'],
          properties: { stopped: { type: 'boolean' }, reason: { type: 'string' }, message: { type: 'string' }, app: appSchema }
        },
        409: { description: 'Ignored app, vetoed by the before-stop hook, or the stop failed', ...errorSchema },
        ...errorResponses
      }
    }
  }, async (request) => {
    const app = find(request.params.name)
    if (app.ignored) throw appNotManaged(app.name)
    const result = await lifecycle.stop(app.name, 'admin')
    if (result.reason === 'vetoed') throw new PaastisError('STOP_VETOED', result.message ?? 'vetoed')
    if (result.reason === 'failed') throw new PaastisError('STOP_FAILED', result.message ?? 'failed')
    return { ...result, app: view(app, await accountsNow()) }
  })

  fastify.post('/apps/:name/pin', {
    schema: {
      summary: 'Keep an app awake (starting it) for a while, whatever its idleness; shared by every replica',
      tags: ['apps'],
      params: appNameParams,
      querystring: {
        type: 'object',
        required: ['for'],
        properties: { for: PIN_DURATION },
        additionalProperties: false
      },
      response: {
        200: { description: 'Pinned; the app runs', ...appSchema },
        202: { description: 'Pinned; its start is under way', ...appSchema },
        409: { description: 'The app is ignored by Paastis', ...errorSchema },
        ...errorResponses
      }
    }
  }, async (request, reply) => {
    const app = find(request.params.name)
    if (app.ignored) throw appNotManaged(app.name)
    const forMs = pinMs(request.query.for)
    await lifecycle.pin(app.name, clock.now() + forMs, 'admin')
    if (app.state === 'running') return view(app, await accountsNow())
    return await startInBackground(app, 'pin', reply)
  })

  fastify.delete('/apps/:name/pin', {
    schema: {
      summary: 'End a pin: the app is stopped again when idle',
      tags: ['apps'],
      params: appNameParams,
      response: { 200: appSchema, ...errorResponses }
    }
  }, async (request) => {
    const app = find(request.params.name)
    if (app.pinnedUntil != null) await lifecycle.pin(app.name, null, 'admin')
    return view(app, await accountsNow())
  })

  fastify.delete('/apps', {
    schema: {
      summary: "Clear the registry (Paastis's own records only); the next check rediscovers the apps",
      tags: ['apps'],
      response: { 204: { type: 'null', description: 'Cleared' }, 401: errorResponses[401] }
    }
  }, async (_request, reply) => {
    await registry.clear()
    return reply.code(204).send(null)
  })
}

export default apps
