// The Docker Engine client against fake engines on real unix sockets: the version negotiated,
// and every unhappy ending — a socket missing or refusing, an engine silent after connecting,
// HTML or the wrong JSON with a 200, an engine too old, an event stream that trickles, carries
// garbage and drops.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { fakeEngine, json } from '../fakes/docker-engine'
import { connectionProblem, DockerEngine, negotiate, poolFor, type EngineEvent } from '../../providers/docker-engine'

function engineAt (t: Test, host: string, timeoutMs = 2000): DockerEngine {
  const engine = new DockerEngine({ host, tlsVerify: false, timeoutMs })
  t.teardown(() => engine.close())
  return engine
}

t.test('negotiation', async (t) => {
  t.equal(negotiate('1.41', undefined), '1.41')
  t.equal(negotiate('1.50', undefined), '1.47', 'a newer engine is spoken to in the newest version Paastis knows')
  t.equal(negotiate('1.25', undefined), '1.25')
  t.throws(() => negotiate('1.24', '1.12.6'), /the Docker engine 1.12.6 speaks API 1.24; Paastis needs 1.25 or newer \(Docker 1.13\+\): upgrade the engine/)
  t.throws(() => negotiate('1.9', undefined), /speaks API 1.9/, '1.9 is older than 1.25, as numbers')

  const newer = await fakeEngine(t, json([]), '1.50')
  await engineAt(t, newer.host).containers('paastis.enable=true')
  t.match(newer.paths, ['/version', /^\/v1.47\/containers\/json\?all=1&filters=/], 'asked once, then used in every path')

  const old = await fakeEngine(t, json([]), '1.20')
  await t.rejects(engineAt(t, old.host).containers('x=y'), /docker list: the Docker engine fake speaks API 1.20; Paastis needs 1.25/)
})

t.test('a socket missing, refusing, or silent after connecting: an error that says what to do, within the deadline', async (t) => {
  // Short: a unix socket's path has at most 107 bytes (a longer one fails as if missing).
  const dir = mkdtempSync(path.join(tmpdir(), 'pde-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  await t.rejects(engineAt(t, `unix://${path.join(dir, 'gone.sock')}`).containers('x=y'), /the Docker socket \S+gone.sock does not exist: is the engine running, and is it mounted into Paastis's container\?/)
  const file = path.join(dir, 'not-a-socket')
  writeFileSync(file, '')
  await t.rejects(engineAt(t, `unix://${file}`).containers('x=y'), /nothing answers at unix:\/\/\S+: is dockerd running\?|could not be reached/)
  const silent = await fakeEngine(t, () => {})
  await t.rejects(engineAt(t, silent.host, 200).containers('x=y'), /docker list: the Docker engine at \S+ did not answer in time/)
  // Root reads every socket here: the permission case is the message for the code the kernel gives.
  t.match(connectionProblem(Object.assign(new Error('connect EACCES'), { code: 'EACCES' }), { host: 'unix:///var/run/docker.sock', tlsVerify: false }),
    /^permission denied on \/var\/run\/docker.sock: run Paastis as root or as a member of the socket's group \(docker\), or give it a socket proxy/)
})

t.test('HTML, the wrong JSON or an error status: said plainly, never read as containers', async (t) => {
  const html = await fakeEngine(t, (_request, response) => { response.setHeader('content-type', 'text/html'); response.end('<html>maintenance</html>') })
  await t.rejects(engineAt(t, html.host).containers('x=y'), /docker list: answered 200 with something that is not JSON: `<html>maintenance<\/html>`/)
  const wrong = await fakeEngine(t, json({ containers: [] }))
  await t.rejects(engineAt(t, wrong.host).containers('x=y'), /answered 200 with JSON that is not a container list \(the document must be array\)/)
  const gone = await fakeEngine(t, json({ message: 'No such container: web' }, 404))
  const error = await engineAt(t, gone.host).start('abc', 'web').catch((err: Error & { statusCode?: number }) => err)
  t.match(error, { message: 'docker start web: HTTP 404: No such container: web', statusCode: 404 })
  const already = await fakeEngine(t, (_request, response) => { response.statusCode = 304; response.end() })
  await engineAt(t, already.host).start('abc', 'web')
  await engineAt(t, already.host).stop('abc', 'web', 1)
  t.pass('304 (already started, already stopped) is fine')
})

t.test('the event stream: lines in pieces, garbage skipped, the end of the stream returned', async (t) => {
  const events = await fakeEngine(t, (request, response) => {
    t.match(request.url, /^\/v1.41\/events\?filters=/)
    response.setHeader('content-type', 'application/json')
    response.write('{"Type":"container","Action":"st')
    setImmediate(() => {
      response.write('art","Actor":{"ID":"a"}}\nnot json\n\n[1]\n{"Type":"container","Action":"die","Actor":{"ID":"a","Attributes":{"exitCode":"137"}}}\n')
      response.end()
    })
  })
  const seen: EngineEvent[] = []
  let opened = 0
  await engineAt(t, events.host).events('paastis.enable=true', new AbortController().signal, () => { opened++ }, (event) => { seen.push(event) })
  t.equal(opened, 1)
  t.same(seen.map((event) => event.Action), ['start', 'die'], 'whole events only')

  // An engine that accepts the stream and never answers it: the opening has a deadline.
  const silent = await fakeEngine(t, () => {})
  await t.rejects(engineAt(t, silent.host, 200).events('x', new AbortController().signal, () => { t.fail('never opened') }, () => {}),
    /docker events: the Docker engine at \S+ did not answer in time/)

  const refused = await fakeEngine(t, json({ message: 'bad filter' }, 400))
  await t.rejects(engineAt(t, refused.host).events('x', new AbortController().signal, () => {}, () => {}), /docker events: HTTP 400: bad filter/)

  const endless = await fakeEngine(t, (_request, response) => { response.write('{"Action":"start"}\n') })
  const stop = new AbortController()
  const stream = engineAt(t, endless.host).events('x', stop.signal, () => {}, () => { stop.abort() })
  await stream
  t.pass('an aborted stream ends quietly')
})

t.test('DOCKER_HOST: the forms Docker accepts, and a clear refusal of the others', async (t) => {
  t.throws(() => poolFor({ host: 'http://localhost:2375', tlsVerify: false }, 1), /DOCKER_HOST "http:\/\/localhost:2375" is neither unix:\/\/\/path\/to\/docker.sock nor tcp:\/\/host:port/)
  t.throws(() => poolFor({ host: 'tcp://127.0.0.1:2376', tlsVerify: true, certPath: t.testdir({}) }, 1), /DOCKER_TLS_VERIFY is set but \S+ca.pem cannot be read .*: set DOCKER_CERT_PATH to the folder of ca.pem, cert.pem and key.pem/)
  const pool = poolFor({ host: 'tcp://127.0.0.1:2375', tlsVerify: false }, 1)
  await pool.close()
  t.pass('tcp:// without TLS')
})
