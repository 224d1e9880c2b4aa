// Every kind of provider Paastis has, once: the environment's PROVIDER_NAME and a `providers:`
// entry's `type` are read from this list (CONTRIBUTING.md: adding a provider starts here).
export const PROVIDER_TYPES = ['command', 'scalingo', 'clever-cloud', 'heroku', 'docker'] as const
export type ProviderType = typeof PROVIDER_TYPES[number]
