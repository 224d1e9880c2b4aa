// Lifecycle hooks: operators' shell commands run around starts and stops, with the app's details
// in environment variables (never in the command string: app names come from outside).
import type { AppRecord } from './app-record'
import type { EventLog } from './events'
import type { Logger } from '../common/logger'
import { runShell } from '../processes/shell'

export const HOOK_NAMES = ['before-start', 'after-start', 'before-stop', 'after-stop'] as const
export type HookName = typeof HOOK_NAMES[number]
export type HookCommands = Partial<Record<HookName, string>>

export interface HookRunnerOptions {
  timeoutMs: number
  log: Logger
  events: EventLog
}

export class ShellHooks {
  constructor (private readonly commands: HookCommands, private readonly options: HookRunnerOptions) {}

  /** True when the hook succeeded or there is none; a failure is logged and recorded. */
  async run (hook: HookName, app: AppRecord): Promise<boolean> {
    const command = this.commands[hook]
    if (command === undefined || command.trim() === '') return true
    const { log, events, timeoutMs } = this.options
    const result = await runShell(command, {
      env: {
        PAASTIS_HOOK: hook,
        PAASTIS_APP_NAME: app.name,
        PAASTIS_APP_PROVIDER: app.provider,
        PAASTIS_APP_REGION: app.region ?? '',
        PAASTIS_APP_UPSTREAM: app.upstream ?? ''
      },
      timeoutMs,
      log,
      logFields: { app: app.name, hook }
    })
    if (result.code === 0) return true
    const why = result.timedOut ? `timed out after ${timeoutMs} ms` : `exited with ${result.code ?? result.signal}`
    log.warn({ app: app.name, hook }, `${hook} hook ${why}`)
    events.record({ app: app.name, type: 'hook_failed', cause: hook, message: why })
    return false
  }
}
