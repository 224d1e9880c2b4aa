// The app the benchmarks proxy to: plain node:http answering 1 KB. With READY_DELAY_MS it boots
// slowly and writes the moment it starts answering to READY_FILE (epoch ms with sub-ms digits:
// the cold-start reference);
// START_LOG counts its starts.
import { appendFileSync, writeFileSync } from 'node:fs'
import http from 'node:http'

const body = Buffer.alloc(1024, 'x')
if (process.env.START_LOG !== undefined) appendFileSync(process.env.START_LOG, `${process.pid}\n`)
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length })
  res.end(body)
})
setTimeout(() => {
  server.listen(Number(process.env.PORT), '127.0.0.1', () => {
    if (process.env.READY_FILE !== undefined) writeFileSync(process.env.READY_FILE, String(performance.timeOrigin + performance.now()))
  })
}, Number(process.env.READY_DELAY_MS ?? 0))
process.on('SIGTERM', () => {
  server.close(() => process.exit(0))
  server.closeAllConnections()
})
