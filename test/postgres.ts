// A real PostgreSQL server for a test: a throwaway cluster (initdb) on its own free port, with a
// password (so that tests can check it never reaches a log), stopped and deleted with the test.
// As root (CI), the server runs as the `postgres` user the Debian package creates: PostgreSQL
// refuses to run as root.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import postgres from 'postgres'
import type { Test } from 'tap'
import { eventually, freePort } from './helper'

export const PG_PASSWORD = 'pg-s3cret-Pa55'

export interface PostgresServer {
  url: string
  port: number
  /** A client of the test's own, for looking at the tables. */
  sql: postgres.Sql
  start(): Promise<void>
  /** Fast shutdown, or a kill (`hard`) as a crash would. */
  stop(hard?: boolean): Promise<void>
}

/** initdb and postgres: on PATH, else Debian's versioned folder. */
function binary (name: string): string {
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : []
  for (const version of versions) {
    const file = path.join(root, version, 'bin', name)
    if (existsSync(file)) return file
  }
  throw new Error(`${name} is missing: apt-get install -y postgresql (test/preflight.sh does)`)
}

function runAs (): { uid: number, gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
  return { uid, gid }
}

export async function startPostgres (t: Test): Promise<PostgresServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'paastis-pg-'))
  const data = path.join(dir, 'data')
  const user = runAs()
  writeFileSync(path.join(dir, 'pw'), PG_PASSWORD)
  if (user !== undefined) chownSync(dir, user.uid, user.gid)
  execFileSync(binary('initdb'), [
    '-D', data, '-U', 'paastis', '--pwfile', path.join(dir, 'pw'), '--auth=scram-sha-256', '-E', 'UTF8', '--no-sync', '--no-instructions'
  ], { stdio: 'ignore', ...user })
  // Test files run in parallel: a port found free may be taken before the server binds it; the
  // server that answers must be this cluster (its data directory), else another port is tried.
  for (let attempt = 1; ; attempt++) {
    const server = serverOn(dir, data, await freePort(), user)
    try {
      await server.start()
    } catch (err) {
      await server.sql.end({ timeout: 1 }).catch(() => {})
      await server.stop(true)
      if (!(err instanceof PortTaken) || attempt === 5) {
        rmSync(dir, { recursive: true, force: true })
        throw err
      }
      continue
    }
    t.teardown(async () => {
      // Bounded: a client whose server is stopped or gone must not hold the test until tap's timeout.
      await Promise.race([server.sql.end({ timeout: 1 }).catch(() => {}), sleep(3000, undefined, { ref: false })])
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    })
    return server
  }
}

class PortTaken extends Error {}

function serverOn (dir: string, data: string, port: number, user: { uid: number, gid: number } | undefined): PostgresServer {
  const url = `postgres://paastis:${PG_PASSWORD}@127.0.0.1:${port}/postgres`
  const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} })
  let child: ChildProcess | undefined
  return {
    url,
    port,
    sql,
    async start () {
      // fsync off: a killed server loses nothing committed (the WAL is in the OS's cache); only a
      // machine crash would, and a test cluster does not outlive one.
      child = spawn(binary('postgres'), [
        '-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1',
        '-c', 'fsync=off', '-c', 'full_page_writes=off'
      ], { stdio: 'ignore', ...user })
      child.on('error', () => {})
      const own = child
      let foreign = false
      const up = await eventually(async () => {
        if (own.exitCode !== null) return true
        try {
          const [row] = await sql<Array<{ data_directory: string }>>`SHOW data_directory`
          foreign = row.data_directory !== data
          return true
        } catch {
          return false
        }
      }, 20_000)
      if (own.exitCode !== null || foreign) throw new PortTaken(`port ${port} was taken`)
      if (!up) throw new Error('postgres did not start: is it installed? (apt-get install -y postgresql)')
    },
    async stop (hard = false) {
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
      const exited = once(child, 'exit')
      child.kill(hard ? 'SIGKILL' : 'SIGINT')
      await Promise.race([exited, sleep(10_000, undefined, { ref: false })])
    }
  }
}
