// The Node ceiling: node:http in front of one undici Pool, streaming both ways, no framework, no
// header rewriting beyond the hop-by-hop ones. What a proxy written in Node can do at best here.
import http from 'node:http'
import { Pool } from 'undici'

const pool = new Pool(process.env.UPSTREAM as string, { connections: 128, keepAliveTimeout: 60_000 })
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host'])

http.createServer((req, res) => {
  const headers: Record<string, string | string[]> = {}
  for (const name in req.headers) if (!HOP.has(name)) headers[name] = req.headers[name] as string | string[]
  pool.stream({ path: req.url as string, method: req.method as 'GET', headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : req }, ({ statusCode, headers: answer }) => {
    const out: http.OutgoingHttpHeaders = {}
    for (const name in answer) if (!HOP.has(name)) out[name] = answer[name]
    res.writeHead(statusCode, out)
    return res
  }, (err) => {
    if (err !== null && !res.headersSent) res.writeHead(502).end()
    else if (err !== null) res.destroy()
  })
}).listen(Number(process.env.PORT), '127.0.0.1')

// An interrupted run still writes its profile (node --cpu-prof writes at exit).
process.on('SIGINT', () => process.exit(0))
