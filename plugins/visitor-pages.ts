// The pages visitors see from Paastis (lib/pages/visitor-pages.ts), with the operator's branding and,
// when WAITING_PAGE_TEMPLATE names one, the operator's own waiting page.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { readFile } from 'node:fs/promises'
import { ConfigError } from '../lib/config/config-error'
import { VisitorPages } from '../lib/pages/visitor-pages'

declare module 'fastify' {
  interface FastifyInstance {
    visitorPages: VisitorPages
  }
}

export default fp(async function visitorPages (fastify: FastifyInstance) {
  const { config } = fastify
  let template: string | undefined
  if (config.WAITING_PAGE_TEMPLATE !== undefined) {
    try {
      template = await readFile(config.WAITING_PAGE_TEMPLATE, 'utf8')
    } catch (err) {
      throw new ConfigError(`WAITING_PAGE_TEMPLATE: ${config.WAITING_PAGE_TEMPLATE} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
    }
    if (!template.includes('{{{script}}}')) fastify.log.warn('WAITING_PAGE_TEMPLATE has no {{{script}}}: the page will not open the app once it is ready')
  }
  try {
    fastify.decorate('visitorPages', new VisitorPages({
      title: config.WAITING_PAGE_TITLE,
      logoUrl: config.WAITING_PAGE_LOGO_URL,
      contactUrl: config.WAITING_PAGE_CONTACT_URL
    }, template))
  } catch (err) {
    throw new ConfigError(`WAITING_PAGE_TEMPLATE: ${(err as Error).message}`)
  }
}, { name: 'visitor-pages', dependencies: ['config'] })
