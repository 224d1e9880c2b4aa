'use strict'
// Demo app: says hello, and how long ago it (re)started, so a wake-up is visible.
const http = require('node:http')

const startedAt = new Date()
http.createServer((req, res) => {
  res.setHeader('content-type', 'text/plain; charset=utf-8')
  res.end(`${process.env.GREETING ?? 'Hello'} from hello! Started at ${startedAt.toISOString()}, ` +
    `${Math.round((Date.now() - startedAt.getTime()) / 1000)} s ago. You asked for ${req.url}\n`)
}).listen(Number(process.env.PORT ?? 4001), '127.0.0.1', () => {
  console.log(`hello listening on ${process.env.PORT ?? 4001}`)
})
