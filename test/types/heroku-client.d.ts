// heroku-client 3 ships no types: the part of it the conformance tests call.
declare module 'heroku-client' {
  interface RequestOptions { body?: unknown, headers?: Record<string, string>, partial?: boolean }
  export default class Heroku {
    constructor (options: { token: string, host?: string })
    get (path: string, options?: RequestOptions): Promise<unknown>
    patch (path: string, options?: RequestOptions): Promise<unknown>
  }
}
