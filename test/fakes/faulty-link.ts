// A TCP link between Paastis and a real dependency (redis-server, PostgreSQL, an HTTP receiver),
// whose behaviour a test switches at any time, for the connections already open too:
// - `pass`: bytes flow both ways;
// - `silent`: connected, the requests are read and nothing ever comes back (a paused VM, a
//   partition that drops packets);
// - `slow`: each answer arrives `slowMs` late;
// - `garbage`: every request is answered with bytes of another protocol (an HTML page);
// - `refused`: new connections are refused (the port closed), open ones reset.
import net from 'node:net'

export type LinkMode = 'pass' | 'silent' | 'slow' | 'garbage' | 'refused'

export const GARBAGE = 'HTTP/1.1 200 OK\r\ncontent-type: text/html\r\n\r\n<!doctype html><title>Maintenance</title>\r\n'

export class FaultyLink {
  mode: LinkMode = 'pass'
  slowMs = 5000
  /** What `garbage` answers (an HTML page by default; bytes of no protocol for an HTTP client). */
  garbage = GARBAGE
  private server: net.Server | undefined
  private readonly sockets = new Set<net.Socket>()
  private readonly timers = new Set<NodeJS.Timeout>()
  port = 0

  constructor (private readonly target: number) {}

  get url (): string {
    return `127.0.0.1:${this.port}`
  }

  async listen (port = 0): Promise<void> {
    const server = net.createServer((client) => { this.accept(client) })
    this.server = server
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    this.port = (server.address() as net.AddressInfo).port
  }

  set (mode: LinkMode): void {
    this.mode = mode
    if (mode === 'refused') {
      for (const socket of this.sockets) socket.resetAndDestroy()
      this.server?.close()
      this.server = undefined
    }
  }

  /** Back to `pass`, listening again on the same port. */
  async restore (): Promise<void> {
    this.mode = 'pass'
    if (this.server === undefined) await this.listen(this.port)
  }

  async close (): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer)
    for (const socket of this.sockets) socket.destroy()
    const server = this.server
    this.server = undefined
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  private accept (client: net.Socket): void {
    if (this.mode === 'refused') {
      client.resetAndDestroy()
      return
    }
    const upstream = net.connect(this.target, '127.0.0.1')
    for (const socket of [client, upstream]) {
      this.sockets.add(socket)
      socket.on('error', () => {})
      socket.on('close', () => {
        this.sockets.delete(socket)
        client.destroy()
        upstream.destroy()
      })
    }
    client.on('data', (chunk: Buffer) => {
      if (this.mode === 'garbage') {
        client.end(this.garbage)
        return
      }
      upstream.write(chunk)
    })
    // Late answers keep their order: nothing overtakes what is still delayed.
    let delayedUntil = 0
    upstream.on('data', (chunk: Buffer) => {
      const wait = this.mode === 'slow' ? Math.max(Date.now() + this.slowMs, delayedUntil) : delayedUntil
      if (this.mode === 'silent' || this.mode === 'garbage') return // dropped (a partition; another protocol answered)
      if (wait <= Date.now()) {
        client.write(chunk)
        return
      }
      delayedUntil = wait
      const timer = setTimeout(() => {
        this.timers.delete(timer)
        if (!client.destroyed) client.write(chunk)
      }, wait - Date.now())
      this.timers.add(timer)
    })
  }
}
