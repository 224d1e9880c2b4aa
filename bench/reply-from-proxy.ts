// The simplest Fastify proxy: a catch-all route that hands every request to @fastify/reply-from.
import replyFrom from '@fastify/reply-from'
import Fastify from 'fastify'

const server = Fastify({ logger: false })
server.register(replyFrom, { base: process.env.UPSTREAM as string, undici: { connections: 128, keepAliveTimeout: 60_000 } })
server.removeAllContentTypeParsers()
server.addContentTypeParser('*', (_request, _payload, done) => { done(null) })
server.all('/*', (request, reply) => { reply.from(request.url) })
server.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }).catch((err: Error) => {
  console.error(err)
  process.exit(1)
})
