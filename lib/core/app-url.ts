// Where people open an app, for the dashboard's link: its first exact host in paastis.yml (a
// whitelisted alias never: it does not wake the app), else APPS_URL with the app's name. Paastis
// routes any domain by its first label, so without either it cannot know, and says null.

/** `exactHosts`: host → app, as the rules declare them (Rules.exactHosts()). */
export function appUrl (name: string, template: string | undefined, exactHosts: ReadonlyMap<string, { app: string, whitelisted: boolean }>): string | null {
  for (const [host, target] of exactHosts) {
    if (target.app === name && !target.whitelisted) return `${template?.startsWith('http://') === true ? 'http' : 'https'}://${host}/`
  }
  return template === undefined ? null : template.replaceAll('{app}', encodeURIComponent(name))
}
