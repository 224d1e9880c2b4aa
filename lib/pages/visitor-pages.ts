// What a visitor's browser sees from Paastis itself: the waiting page while an app wakes, and the
// 404, 502, 503 and 504 pages, in one look (light and dark), with the operator's branding. The
// words are for visitors: what went wrong for the operator stays in the events and the logs.
// Pages are Mustache templates, so `{{app}}` is escaped wherever an operator's template puts it.
import Mustache from 'mustache'
import type { ErrorCode } from '../common/error-codes'

export const STATUS_HEADER = 'x-paastis-status'

export interface Branding {
  /** Shown as the page's title and heading prefix (WAITING_PAGE_TITLE). */
  title?: string
  logoUrl?: string
  contactUrl?: string
}

/** What the waiting page's script reads at every poll (same URL, `x-paastis-status: 1`). */
export interface WakeStatus {
  app: string
  state: string
  failed: boolean
  /** Where a failed wake sends the visitor (the rule's `fallback`), if anywhere. */
  fallback: string | null
}

const STYLE = `
:root{--bg:#f6f6f3;--fg:#1d1d1b;--muted:#5f5f5a;--card:#fff;--line:#deded8;--accent:#2f5bd3;--accent-fg:#fff;--bad:#b3261e;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#141413;--fg:#ecece8;--muted:#a8a8a0;--card:#1f1f1d;--line:#36362f;--accent:#7c9cff;--accent-fg:#0d0d0c;--bad:#ff7b72}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:grid;place-items:center;background:var(--bg);color:var(--fg);font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5}
main{width:min(32rem,calc(100% - 2rem));background:var(--card);border:1px solid var(--line);border-radius:.8rem;padding:2rem 1.75rem;text-align:center}
.logo{max-height:3rem;max-width:12rem;margin-bottom:1rem}
h1{font-size:1.35rem;margin:.25rem 0 .75rem;overflow-wrap:anywhere}
p{margin:.5rem 0;color:var(--muted)}
progress{width:100%;height:.6rem;margin:1rem 0 .25rem;accent-color:var(--accent)}
.failed progress,.failed #elapsed-line{display:none}
.failed h1{color:var(--bad)}
button,.button{font:inherit;display:inline-block;margin-top:1rem;padding:.5rem 1.2rem;border-radius:.45rem;border:1px solid var(--accent);background:var(--accent);color:var(--accent-fg);cursor:pointer;text-decoration:none}
button:focus-visible,.button:focus-visible,a:focus-visible{outline:3px solid #f0b400;outline-offset:2px}
a{color:var(--accent)}
footer{margin-top:1.5rem;font-size:.85rem;color:var(--muted)}
code{font-size:.85em}
[hidden]{display:none!important}
`

const SHELL_TOP = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark"><meta name="robots" content="noindex">
<title>{{pageTitle}}</title>
<style>{{{style}}}</style></head>
<body><main id="page">
{{#logoUrl}}<img class="logo" src="{{logoUrl}}" alt="">{{/logoUrl}}`

const SHELL_BOTTOM = `{{#contactUrl}}<footer>A problem? <a href="{{contactUrl}}">Contact us</a></footer>{{/contactUrl}}
</main>{{{script}}}</body></html>
`

/** The waiting page as shipped; WAITING_PAGE_TEMPLATE replaces it (same variables). */
export const DEFAULT_WAITING_TEMPLATE = `${SHELL_TOP}
<h1 id="heading">{{title}}: waking <code>{{app}}</code>…</h1>
<p id="status">It was asleep to save energy and money; this page opens it as soon as it answers.</p>
<progress id="progress"{{#expectedSeconds}} max="{{expectedSeconds}}" value="0"{{/expectedSeconds}}></progress>
<p id="elapsed-line"><span id="elapsed">{{waitedSeconds}}</span> s{{#expectedSeconds}} · usually ready in about {{expectedSeconds}} s{{/expectedSeconds}}</p>
<p><button id="retry" type="button" hidden>Try again</button></p>
${SHELL_BOTTOM}`

const ERROR_TEMPLATE = `${SHELL_TOP}
<h1>{{heading}}</h1>
<p>{{message}}</p>
{{#retry}}<p><a class="button" href="">Try again</a></p>{{/retry}}
<p><code>{{statusCode}} · {{code}}</code></p>
${SHELL_BOTTOM}`

/** Polls the wake and keeps the page honest: a counter while it runs, a plain message when it fails. */
const SCRIPT = `<script data-waited-ms="{{waitedMs}}" data-failed-title="{{failedTitle}}">
(function () {
  // Counted from the visitor's request, not from the page: it was held page_after before.
  var own = document.currentScript, waited = Number(own && own.dataset.waitedMs) || 0
  var started = Date.now() - waited, done = false
  function $ (id) { return document.getElementById(id) }
  var timer = setInterval(function () {
    var seconds = Math.round((Date.now() - started) / 1000)
    if ($('elapsed')) $('elapsed').textContent = seconds
    var bar = $('progress')
    if (bar && bar.max > 1) bar.value = Math.min(seconds, bar.max * 0.95)
  }, 500)
  function failed (status) {
    if (status.fallback) return location.replace(status.fallback)
    done = true
    clearInterval(timer)
    if ($('page')) $('page').className = 'failed'
    if (own && own.dataset.failedTitle) document.title = own.dataset.failedTitle
    if ($('heading')) $('heading').textContent = 'This app could not be started'
    if ($('status')) $('status').textContent = 'It did not start this time. Please try again in a moment.'
    var retry = $('retry')
    if (retry) { retry.hidden = false; retry.onclick = function () { location.reload() }; retry.focus() }
  }
  function poll () {
    fetch(location.href, { headers: { '${STATUS_HEADER}': '1' }, cache: 'no-store' })
      .then(function (r) { return r.json() })
      .then(function (s) {
        if (s.state === 'running') return location.reload()
        if (s.failed) return failed(s)
        setTimeout(poll, 500)
      })
      .catch(function () { if (!done) setTimeout(poll, 1000) })
  }
  setTimeout(poll, 300)
})()
</script>`

/** What a visitor reads for each error a page may show: never the operator's detail. */
function visitorWords (code: ErrorCode, statusCode: number): { heading: string, message: string, retry: boolean } {
  switch (code) {
    case 'UNKNOWN_APP':
      return { heading: 'Nothing is served here', message: 'There is no app at this address. Check the link, or ask whoever gave it to you.', retry: false }
    case 'WAKE_FAILED': case 'WAKE_TIMEOUT': case 'WAKE_BACKOFF':
      return { heading: 'This app could not be started', message: 'It did not start this time. Please try again in a moment.', retry: true }
    case 'APP_UNREACHABLE':
      return { heading: 'This app is not answering', message: 'It seems to have stopped answering. Please try again in a moment.', retry: true }
    case 'APP_TIMEOUT':
      return { heading: 'This app took too long to answer', message: 'Please try again in a moment.', retry: true }
    default:
      return statusCode >= 500
        ? { heading: 'This app is not available right now', message: 'Please try again in a moment.', retry: true }
        : { heading: 'This request could not be handled', message: 'Check the address, or try again.', retry: false }
  }
}

export class VisitorPages {
  private readonly waitingTemplate: string

  constructor (private readonly branding: Branding = {}, waitingTemplate?: string) {
    this.waitingTemplate = waitingTemplate ?? DEFAULT_WAITING_TEMPLATE
    // Parsed once now: a broken template fails at start, not at a visitor's request.
    Mustache.parse(this.waitingTemplate)
    Mustache.parse(ERROR_TEMPLATE)
    Mustache.parse(SCRIPT)
  }

  /** `waitedMs`: how long the visitor's request was held before this page (page_after). */
  waiting (app: string, expectedSeconds: number | null, waitedMs = 0): string {
    const title = this.branding.title ?? 'Please wait'
    const waited = Math.max(0, Math.round(waitedMs))
    return Mustache.render(this.waitingTemplate, {
      ...this.shell(`Waking ${app}… · ${title}`),
      app,
      title,
      // '' is falsy for sections and prints nothing as a value (false would print "false").
      expectedSeconds: expectedSeconds ?? '',
      waitedSeconds: Math.floor(waited / 1000),
      // Rendered (and escaped) into the script's attributes: the tab says what happened after a failure.
      script: Mustache.render(SCRIPT, { waitedMs: waited, failedTitle: `${app} could not be started · ${title}` })
    })
  }

  error (statusCode: number, code: ErrorCode): string {
    const words = visitorWords(code, statusCode)
    return Mustache.render(ERROR_TEMPLATE, {
      ...this.shell(`${words.heading}${this.branding.title === undefined ? '' : ` · ${this.branding.title}`}`),
      ...words,
      statusCode,
      code,
      script: ''
    })
  }

  private shell (pageTitle: string): Record<string, string | false> {
    return { pageTitle, style: STYLE, logoUrl: this.branding.logoUrl ?? false, contactUrl: this.branding.contactUrl ?? false }
  }
}
