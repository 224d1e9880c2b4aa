import t from 'tap'
import { VisitorPages } from '../../../lib/pages/visitor-pages'

t.test('every error page has the waiting page\'s look, and visitor words only', async (t) => {
  const pages = new VisitorPages({ title: 'Acme' })
  const waiting = pages.waiting('shop', 8)
  const cases = [
    [404, 'UNKNOWN_APP', 'Nothing is served here', false],
    [502, 'APP_UNREACHABLE', 'This app is not answering', true],
    [503, 'WAKE_TIMEOUT', 'This app could not be started', true],
    [503, 'TOO_MANY_WAITING', 'This app is not available right now', true],
    [504, 'APP_TIMEOUT', 'This app took too long to answer', true],
    [400, 'BAD_HOST', 'This request could not be handled', false]
  ] as const
  const style = /<style>([\s\S]*?)<\/style>/.exec(waiting)?.[1]
  t.ok(style !== undefined && style.length > 500)
  for (const [status, code, heading, retry] of cases) {
    const page = pages.error(status, code)
    t.equal(/<style>([\s\S]*?)<\/style>/.exec(page)?.[1], style, `${status} ${code}: the same style`)
    t.match(page, `<h1>${heading}</h1>`)
    t.equal(page.includes('Try again'), retry, `${code}: ${retry ? 'a' : 'no'} retry`)
    t.match(page, `<title>${heading} · Acme</title>`)
  }
  t.match(waiting, /usually ready in about 8 s/)
  t.match(pages.waiting('shop', null), /<progress id="progress"><\/progress>/, 'no history: an indeterminate bar, no estimate')
  t.notMatch(pages.waiting('shop', null), /usually/)
})
