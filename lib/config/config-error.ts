// A configuration Paastis cannot run with: reported at start-up with the variable or key to fix.
export class ConfigError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}
