// paastis.yml read again while Paastis runs (SIGHUP, a change of the file, POST /config/reload):
// the new file is checked whole first — YAML, schemas, providers built — and only then applied;
// an invalid one leaves the running configuration as it was and says why (log at error, an
// event, /readyz, the admin call's answer). One reload at a time: a second one asked for while
// one runs waits for it, then reads the file again.
import type { EventLog } from './events'
import type { Logger } from '../common/logger'
import { EMPTY_FILE_HASH, type PaastisFile } from '../config/paastis-file'

export type ReloadTrigger = 'signal' | 'file' | 'admin'

/** What a reload changed, as operators read it. */
export interface ConfigChange {
  rules: number
  /** Apps whose idle time, management, linked apps or rules changed. */
  apps: string[]
  providersAdded: string[]
  providersRemoved: string[]
}

export interface ReloadOutcome {
  applied: boolean
  /** The hash of the configuration running after the reload. */
  hash: string
  message: string
  change?: ConfigChange
}

export interface ConfigReloadOptions<Prepared> {
  read: () => Promise<PaastisFile>
  /** Builds what the file asks for without using it yet; throws what is wrong. */
  prepare: (file: PaastisFile) => Promise<Prepared>
  /** Puts it in use. */
  apply: (file: PaastisFile, prepared: Prepared) => Promise<ConfigChange>
  events: EventLog
  log: Logger
  /** The configuration running at start. */
  initial: PaastisFile
}

export function describeChange (file: PaastisFile, change: ConfigChange): string {
  const parts = [`${change.rules} rules`]
  if (change.apps.length > 0) parts.push(`settings changed for ${change.apps.length} app${change.apps.length === 1 ? '' : 's'} (${change.apps.slice(0, 20).join(', ')}${change.apps.length > 20 ? ', …' : ''})`)
  if (change.providersAdded.length > 0) parts.push(`providers added: ${change.providersAdded.join(', ')}`)
  if (change.providersRemoved.length > 0) parts.push(`providers removed: ${change.providersRemoved.join(', ')}`)
  return `${file.path} reloaded (configuration ${file.hash}): ${parts.join('; ')}`
}

export class ConfigReload<Prepared> {
  /** The configuration in use. */
  current: PaastisFile
  /** Why the last reload was refused, while the file stays as it is. */
  error: string | undefined
  private running: Promise<ReloadOutcome> | undefined
  private again: Promise<ReloadOutcome> | undefined

  constructor (private readonly options: ConfigReloadOptions<Prepared>) {
    this.current = options.initial
  }

  reload (trigger: ReloadTrigger): Promise<ReloadOutcome> {
    if (this.running === undefined) {
      this.running = this.run(trigger).finally(() => { this.running = undefined })
      return this.running
    }
    // Asked while one runs: the file may have changed since it was read; one more reading serves every such call.
    this.again ??= this.running.catch(() => {}).then(async () => {
      this.again = undefined
      return await this.reload(trigger)
    })
    return this.again
  }

  private async run (trigger: ReloadTrigger): Promise<ReloadOutcome> {
    const { read, prepare, apply, events, log } = this.options
    let file: PaastisFile
    let prepared: Prepared
    try {
      file = await read()
      // Editors and `>` truncate before they write: the watcher can see the file empty in between,
      // and on a busy machine for longer than its settle time. Empty, it is a write under way.
      if (trigger === 'file' && file.hash === EMPTY_FILE_HASH) {
        return { applied: false, hash: this.current.hash, message: `${file.path} is empty: a write under way, not applied (SIGHUP or POST /config/reload applies an empty file)` }
      }
      if (file.hash === this.current.hash && trigger === 'file' && this.error === undefined) {
        return { applied: false, hash: file.hash, message: `${file.path} is unchanged (configuration ${file.hash})` }
      }
      prepared = await prepare(file)
    } catch (err) {
      const reason = (err as Error).message
      // The watcher also sees the file a SIGHUP just refused: one mistake, one refusal.
      if (trigger === 'file' && reason === this.error) return { applied: false, hash: this.current.hash, message: reason }
      this.error = reason
      const message = `paastis.yml not reloaded (${trigger}): ${reason}; still running configuration ${this.current.hash}`
      log.error({ trigger }, message)
      events.record({ app: '*', type: 'config_rejected', cause: trigger, message })
      return { applied: false, hash: this.current.hash, message }
    }
    const change = await apply(file, prepared)
    this.current = file
    this.error = undefined
    const message = describeChange(file, change)
    log.info({ trigger, hash: file.hash, ...change }, message)
    events.record({ app: '*', type: 'config_reloaded', cause: trigger, message })
    return { applied: true, hash: file.hash, message, change }
  }
}
