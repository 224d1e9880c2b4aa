// A fake Docker Engine: an HTTP server on a unix socket of its own, answering /version itself
// and everything else with the test's handler. For the unhappy endings a real engine will not
// produce on demand (HTML, the wrong JSON, silence, an old API, a removed image).
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Test } from 'tap'

export type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void

/** An HTTP server on a unix socket of its own; `handler` answers everything but /version. */
export async function fakeEngine (t: Test, handler: Handler, apiVersion = '1.41'): Promise<{ host: string, paths: string[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pde-'))
  const socket = path.join(dir, 'docker.sock')
  const paths: string[] = []
  const server = http.createServer((request, response) => {
    paths.push(request.url ?? '')
    if (request.url === '/version') {
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify({ ApiVersion: apiVersion, Version: 'fake' }))
      return
    }
    handler(request, response)
  })
  await new Promise<void>((resolve) => server.listen(socket, resolve))
  t.teardown(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  })
  return { host: `unix://${socket}`, paths }
}

/** A handler answering `body` as JSON with `status`. */
export const json = (body: unknown, status = 200): Handler => (_request, response) => {
  response.statusCode = status
  response.setHeader('content-type', 'application/json')
  response.end(JSON.stringify(body))
}
