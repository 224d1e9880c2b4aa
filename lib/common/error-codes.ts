// Every error code Paastis answers with, listed once, with what it tells the caller. The HTTP
// status of each is the web layer's choice (plugins/error-handler.ts): the domain names the code.
export const ERROR_CODES = {
  BAD_REQUEST: 'the request is malformed (a field, a parameter, a body where none may be)',
  BAD_HOST: 'the Host header is missing or is not a hostname',
  NOT_FOUND: 'no route of the admin API has this method and path',
  UNKNOWN_APP: 'no app is served at this Host, or no app has this name',
  DISCOVERY_PENDING: 'Paastis has just started and the provider has not listed the apps yet',
  APP_IGNORED: 'a visitor asked for an app Paastis is told never to start, and it is not running',
  APP_NOT_MANAGED: 'an operator asked to start or stop an app Paastis is told to leave alone',
  APP_ASLEEP: 'the app is asleep and this request does not wake it (alias whitelist, ignored user agent)',
  TOO_MANY_WAITING: 'too many requests already wait for this app to wake',
  WAKE_TIMEOUT: 'the app did not become ready within its wake timeout',
  WAKE_FAILED: 'the provider or the app failed to start it',
  WAKE_BACKOFF: 'the app failed to wake recently: Paastis waits before trying again',
  APP_UNREACHABLE: 'the app was believed running but refused or dropped the connection',
  APP_TIMEOUT: 'the app did not connect or answer within the proxy timeouts',
  CLIENT_TIMEOUT: 'the client did not send its request in time',
  TOO_MANY_CONNECTIONS: 'Paastis holds as many connections as MAX_CONNECTIONS allows',
  STOP_VETOED: 'the before-stop hook vetoed the stop',
  STOP_FAILED: 'the provider failed to stop the app',
  EVENTS_UNAVAILABLE: 'the event store does not answer, and the page asked for (a cursor) can only come from it',
  CONFIG_INVALID: 'paastis.yml was not reloaded: the file is invalid (the running configuration is kept)',
  ADMIN_API_DISABLED: 'the admin API has no token configured, so it is off',
  ADMIN_FORBIDDEN: 'the caller\'s address is not in ADMIN_ALLOW',
  UNAUTHORIZED: 'the admin token is missing or wrong',
  CSRF_FAILED: "a change asked with the dashboard's session cookie but without its CSRF token",
  TOO_MANY_AUTH_FAILURES: 'too many failed authentications from this address',
  INTERNAL_ERROR: 'an unexpected failure inside Paastis (logged, never detailed to the caller)'
} as const

export type ErrorCode = keyof typeof ERROR_CODES
