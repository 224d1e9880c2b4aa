// Where Paastis keeps what must outlive its process on this machine: the pid files of the apps it
// spawned, the events it could not write before it stopped. PAASTIS_STATE_DIR, or one folder per
// paastis.yml under the system's temporary folder.
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import path from 'node:path'

export function stateDir (configured: string, configFile: string): string {
  if (configured !== '') return path.resolve(configured)
  const id = createHash('sha256').update(path.resolve(configFile)).digest('hex').slice(0, 16)
  return path.join(tmpdir(), `paastis-${id}`)
}
