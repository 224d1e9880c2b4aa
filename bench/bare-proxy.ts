// The reference proxy: a bare @fastify/http-proxy with a fixed upstream and default settings.
import httpProxy from '@fastify/http-proxy'
import Fastify from 'fastify'

const server = Fastify({ logger: false })
server.register(httpProxy, { upstream: process.env.UPSTREAM as string })
server.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }).catch((err: Error) => {
  console.error(err)
  process.exit(1)
})
