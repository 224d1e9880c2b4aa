// Every provider of the configuration (one, or several providers and accounts) behind one Provider: every member listed in the
// same tick, concurrently, each with its own HTTP client, retries and rate-limit state (they are
// separate provider objects); a member that fails leaves the others' apps alone. Apps are keyed
// by `app_prefix` + name, or `name@provider` for a member with a `domain`; a key two members
// serve is a conflict, served by neither.
import type { AppRecord, Formation } from './app-record'
import type { Provider, ProviderApp } from './provider'

export interface ProviderMember {
  name: string
  provider: Provider
  appPrefix?: string
  domain?: string
}

/**
 * What the rest of Paastis uses: every provider of the configuration (one, without `providers:`)
 * as one Provider, and what only a set can say.
 */
export interface ProviderGroup extends Provider {
  readonly members: readonly ProviderMember[]
  /** Members whose last listing failed, and why. */
  readonly failures: ReadonlyMap<string, string>
  /** Whether the last listing could not see this app's provider (its apps are then kept as they are). */
  unlisted(app: AppRecord): boolean
  /** App keys that several providers serve without a distinction, and which providers. */
  conflicts(): ReadonlyMap<string, readonly string[]>
}

export class ProviderSet implements ProviderGroup {
  readonly name: string
  readonly failures = new Map<string, string>()
  private conflicting = new Map<string, string[]>()
  private readonly byName: Map<string, ProviderMember>

  constructor (readonly members: readonly ProviderMember[]) {
    this.name = members.map((member) => member.name).join(', ')
    this.byName = new Map(members.map((member) => [member.name, member]))
  }

  /** Whether a member's apps are served at its own domain only (a domain, and no prefix). */
  static ownDomain (member: Pick<ProviderMember, 'appPrefix' | 'domain'>): member is { domain: string, appPrefix: undefined } {
    return member.domain !== undefined && member.appPrefix === undefined
  }

  /** The registry key of a member's app. */
  static keyOf (member: ProviderMember, appName: string): string {
    if (ProviderSet.ownDomain(member)) return `${appName}@${member.name}`
    return `${member.appPrefix ?? ''}${appName}`
  }

  async list (): Promise<ProviderApp[]> {
    const results = await Promise.allSettled(this.members.map(async (member) => await member.provider.list()))
    const byKey = new Map<string, ProviderApp[]>()
    results.forEach((result, i) => {
      const member = this.members[i]
      if (result.status === 'rejected') {
        this.failures.set(member.name, (result.reason as Error).message)
        return
      }
      this.failures.delete(member.name)
      for (const app of result.value) {
        const key = ProviderSet.keyOf(member, app.name)
        const tagged: ProviderApp = { ...app, name: key, provider: member.name, appName: key === app.name ? undefined : app.name }
        const copies = byKey.get(key)
        if (copies === undefined) byKey.set(key, [tagged])
        else copies.push(tagged)
      }
    })
    // A lone provider's failure is its own, as it said it.
    if (this.members.length === 1 && results[0].status === 'rejected') throw results[0].reason
    if (this.failures.size === this.members.length) {
      throw new Error([...this.failures].map(([name, message]) => `${name}: ${message}`).join('; '))
    }
    const conflicting = new Map<string, string[]>()
    const apps: ProviderApp[] = []
    for (const [key, copies] of byKey) {
      if (copies.length > 1) conflicting.set(key, copies.map((copy) => copy.provider as string))
      else apps.push(copies[0])
    }
    this.conflicting = conflicting
    return apps
  }

  start (app: AppRecord): Promise<void> {
    return this.member(app).provider.start(this.asMember(app))
  }

  stop (app: AppRecord): Promise<Formation | undefined> {
    return this.member(app).provider.stop(this.asMember(app))
  }

  failure (app: AppRecord): string | undefined {
    return this.member(app).provider.failure(this.asMember(app))
  }

  diagnose (app: AppRecord): string | undefined {
    return this.member(app).provider.diagnose(this.asMember(app))
  }

  unlisted (app: AppRecord): boolean {
    return this.failures.has(app.provider)
  }

  conflicts (): ReadonlyMap<string, readonly string[]> {
    return this.conflicting
  }

  async close (): Promise<void> {
    await Promise.all(this.members.map(async (member) => { await member.provider.close() }))
  }

  private member (app: AppRecord): ProviderMember {
    const member = this.byName.get(app.provider)
    if (member === undefined) throw new Error(`${app.name}: no provider named "${app.provider}"`)
    return member
  }

  /** The record as its own provider knows the app: by its own name. */
  private asMember (app: AppRecord): AppRecord {
    return app.appName === undefined ? app : { ...app, name: app.appName }
  }
}
