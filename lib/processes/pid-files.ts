// One pid file per process Paastis spawns, in a state directory, so that the next Paastis finds
// what a killed one (SIGKILL, OOM) left running. A pid is trusted only if the process still runs
// the same command line: pids are reused.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'

export interface PidRecord {
  /** The process (and process group) id. */
  pid: number
  /** What was spawned: `/bin/sh -c <command>`. */
  command: string
  startedAt: string
}

export class PidFiles {
  constructor (private readonly dir: string) {}

  private file (app: string): string {
    return path.join(this.dir, `${app}.pid.json`)
  }

  write (app: string, record: PidRecord): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 })
    writeFileSync(this.file(app), JSON.stringify(record))
  }

  read (app: string): PidRecord | undefined {
    try {
      const record = JSON.parse(readFileSync(this.file(app), 'utf8')) as PidRecord
      return Number.isSafeInteger(record.pid) && record.pid > 1 && typeof record.command === 'string' ? record : undefined
    } catch {
      return undefined
    }
  }

  remove (app: string): void {
    rmSync(this.file(app), { force: true })
  }
}

/** Whether `pid` runs `/bin/sh -c <command>` (Linux: /proc/<pid>/cmdline). */
export function runsCommand (pid: number, command: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === `/bin/sh\0-c\0${command}\0`
  } catch {
    return false
  }
}
