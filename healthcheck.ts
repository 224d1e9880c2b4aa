// The container's HEALTHCHECK: asks the health path every Host answers, exits 0 when it answers 200.
import http from 'node:http'

const request = http.get({
  host: '127.0.0.1',
  port: Number(process.env.PORT ?? 3000),
  path: '/.well-known/paastis/health',
  timeout: 3000
}, (response) => {
  response.resume()
  process.exit(response.statusCode === 200 ? 0 : 1)
})
request.on('timeout', () => request.destroy(new Error('timeout')))
request.on('error', () => process.exit(1))
