// The "waking up" page a browser navigation gets under the `page` strategy: small, self-contained,
// it asks Paastis for the app's state (same URL, `x-paastis-status` header) and reloads when the
// app is ready, showing the elapsed time, and the error if the wake fails.

import { escapeHtml } from './html'

export const STATUS_HEADER = 'x-paastis-status'

export function waitingPage (app: string): string {
  const name = escapeHtml(app)
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Waking ${name}…</title>
<style>
body{font-family:system-ui,sans-serif;display:grid;place-items:center;min-height:90vh;margin:0;color:#222;background:#fafafa}
main{text-align:center;max-width:32rem;padding:1rem}
.spin{width:2.5rem;height:2.5rem;margin:1rem auto;border:.3rem solid #ddd;border-top-color:#3a7;border-radius:50%;animation:s 1s linear infinite}
@keyframes s{to{transform:rotate(360deg)}}
#error{color:#b22}
</style></head>
<body><main>
<div class="spin" id="spin"></div>
<h1>Waking <code>${name}</code>…</h1>
<p id="status">It was asleep to save resources. This page reloads by itself when it is ready.</p>
<p><span id="elapsed">0</span> s</p>
<p id="error" hidden></p>
<p><button id="retry" hidden onclick="location.reload()">Try again</button></p>
</main>
<script>
(function () {
  var started = Date.now()
  var elapsed = document.getElementById('elapsed')
  setInterval(function () { elapsed.textContent = Math.round((Date.now() - started) / 1000) }, 500)
  function poll () {
    fetch(location.href, { headers: { '${STATUS_HEADER}': '1' }, cache: 'no-store' })
      .then(function (r) { return r.json() })
      .then(function (s) {
        if (s.state === 'running') return location.reload()
        if (s.state === 'failed') {
          document.getElementById('spin').hidden = true
          document.getElementById('status').textContent = 'The app could not be started.'
          var error = document.getElementById('error')
          error.textContent = s.error || 'Unknown error'
          error.hidden = false
          document.getElementById('retry').hidden = false
          return
        }
        setTimeout(poll, 500)
      })
      .catch(function () { setTimeout(poll, 1000) })
  }
  setTimeout(poll, 300)
})()
</script>
</body></html>
`
}
