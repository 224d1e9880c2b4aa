'use strict'
// Demo app: takes a second to boot, as real apps do, then tells the time.
const http = require('node:http')

setTimeout(() => {
  http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ app: 'clock', now: new Date().toISOString() }) + '\n')
  }).listen(Number(process.env.PORT ?? 4002), '127.0.0.1', () => {
    console.log(`clock listening on ${process.env.PORT ?? 4002}`)
  })
}, 1000)
