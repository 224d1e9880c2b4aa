// The client's request body on its way to the app: read whole when small (so that a client that
// trickles it never holds a pooled connection), or passed through a guard that fails when it
// stalls. Either way the client-body timeout runs between two chunks, not over the whole body.
import type { IncomingMessage } from 'node:http'
import { Transform, type TransformCallback } from 'node:stream'
import { ForwardError } from './forward-error'

/** Reads a declared-length body whole, with the client-body timeout between chunks. */
export function readBody (req: IncomingMessage, length: number, idleMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let received = 0
    const timer = setTimeout(onTimeout, idleMs)
    function onTimeout (): void {
      cleanup()
      reject(new ForwardError('client_timeout', `the client sent no part of its request body for ${idleMs} ms`))
    }
    function onData (chunk: Buffer): void {
      received += chunk.length
      if (received > length) return // the HTTP parser refuses more than Content-Length
      chunks.push(chunk)
      timer.refresh()
    }
    function onEnd (): void {
      cleanup()
      resolve(Buffer.concat(chunks, received))
    }
    function onAbort (): void {
      cleanup()
      reject(new ForwardError('client_aborted', 'the client cut its request body'))
    }
    function cleanup (): void {
      clearTimeout(timer)
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onClose)
    }
    function onClose (): void {
      if (!req.complete) onAbort()
    }
    req.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onClose)
  })
}

/** A pass-through that fails when the client's body stalls. */
export function idleGuard (idleMs: number): Transform {
  // The guard's callbacks run after the timer below exists.
  const guard = new Transform({
    transform (chunk: Buffer, _encoding, callback: TransformCallback) {
      timer.refresh()
      callback(null, chunk)
    },
    flush (callback: TransformCallback) {
      clearTimeout(timer)
      callback()
    },
    destroy (err, callback) {
      clearTimeout(timer)
      callback(err)
    }
  })
  const timer = setTimeout(() => {
    guard.destroy(new ForwardError('client_timeout', `the client sent no part of its request body for ${idleMs} ms`))
  }, idleMs)
  return guard
}
