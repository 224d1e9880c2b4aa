// How an exchange with an app went wrong, from the client's side or the app's: the failures
// /metrics counts and the proxy route answers.
export const FORWARD_FAILURES = [
  'client_aborted', // the client went away or cut its request body
  'client_timeout', // the client's body stalled
  'upstream_refused', // nothing listens where the app should answer
  'upstream_reset', // the app closed or reset the connection
  'upstream_connect_timeout',
  'upstream_timeout', // no response headers in time
  'upstream_body_timeout', // the response body stalled
  'upstream_error'
] as const
export type ForwardFailure = typeof FORWARD_FAILURES[number]

export class ForwardError extends Error {
  constructor (readonly failure: ForwardFailure, message: string, readonly code?: string) {
    super(message)
    this.name = 'ForwardError'
  }
}
