// A test file that passed every case but does not exit holds a handle open. This names it: ten
// seconds after the file's last teardown, what is still open is written to stderr (the TAP
// output keeps it), then nothing else happens — the file still fails by tap's timeout.
import type { Test } from 'tap'

interface Handle { constructor: { name: string }, remoteAddress?: string, remotePort?: number, localPort?: number, pid?: number, spawnfile?: string, _idleTimeout?: number }

export function reportOpenHandles (t: Test): void {
  t.teardown(() => {
    setTimeout(() => {
      const active = (process as unknown as { _getActiveHandles: () => Handle[] })._getActiveHandles()
      const described = active.map((handle) => [
        handle.constructor.name,
        handle.remotePort === undefined ? '' : `remote ${handle.remoteAddress ?? ''}:${handle.remotePort}`,
        handle.localPort === undefined ? '' : `local ${handle.localPort}`,
        handle.pid === undefined ? '' : `pid ${handle.pid} ${handle.spawnfile ?? ''}`,
        handle._idleTimeout === undefined ? '' : `timer ${handle._idleTimeout} ms`
      ].filter((part) => part !== '').join(' '))
      process.stderr.write(`# still open 10 s after the last test: ${described.join('; ') || 'nothing'}\n`)
    }, 10_000).unref()
  })
}
