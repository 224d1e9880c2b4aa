import path from 'node:path'
import t from 'tap'
import { ConfigFileError, loadPaastisFile, parsePaastisFile } from '../../../lib/config/paastis-file'

t.test('broken YAML stops with file, line and reason', async (t) => {
  const error = t.throws(() => parsePaastisFile('rules:\n  - pattern: "a\n    app_name: [', 'conf/paastis.yml')) as ConfigFileError
  t.type(error, ConfigFileError)
  t.match(error.message, /^conf\/paastis\.yml:\d+: invalid YAML: /)
})

t.test('a bad regex names its line', async (t) => {
  t.throws(() => parsePaastisFile("rules:\n  - pattern: 'ok'\n  - pattern: 'broken(['\n", 'p.yml'),
    { message: /^p\.yml:3: rules\[1\]\.pattern: invalid regular expression/ })
})

t.test('bad values name the key and line', async (t) => {
  t.throws(() => parsePaastisFile('rules:\n  - pattern: x\n    app_max_idle_time: soon\n', 'p.yml'),
    { message: /^p\.yml:3: rules\[0\]\.app_max_idle_time: must be minutes/ })
  t.throws(() => parsePaastisFile('rules:\n  - app_name: x\n', 'p.yml'), { message: /rules\[0\]\.pattern: is required/ })
  t.throws(() => parsePaastisFile('rules: nope\n', 'p.yml'), { message: /p\.yml:1: rules: must be a list/ })
  t.throws(() => parsePaastisFile('apps:\n  - name: Bad_Name\n    run: x\n    port: 1\n', 'p.yml'), { message: /p\.yml:2: apps\[0\]\.name: "Bad_Name" must be a DNS label/ })
  t.throws(() => parsePaastisFile('apps:\n  - name: a\n    run: x\n', 'p.yml'), { message: /needs `port` or `upstream`/ })
  t.throws(() => parsePaastisFile('apps:\n  - name: a\n    port: 3\n', 'p.yml'), { message: /needs either `run`/ })
  t.throws(() => parsePaastisFile('apps:\n  - name: a\n    run: x\n    port: 70000\n', 'p.yml'), { message: /port: must be a TCP port/ })
  t.throws(() => parsePaastisFile('apps:\n  - name: a\n    run: x\n    port: 1\n  - name: a\n    run: y\n    port: 2\n', 'p.yml'), { message: /p\.yml:5: .*declared twice/ })
  t.throws(() => parsePaastisFile('- just\n- a list\n', 'p.yml'), { message: /must be a mapping/ })
})

t.test('an unknown key is an error with its line and the key it probably meant', async (t) => {
  t.throws(() => parsePaastisFile('rules:\n  - pattern: hello\n    app_max_idle_tme: 1m\n', 'p.yml'),
    { message: 'p.yml:3: rules[0].app_max_idle_tme: unknown key: did you mean "app_max_idle_time"? (fix its spelling or remove it)' })
  t.throws(() => parsePaastisFile('rules:\n  - pattern: x\n    app_nmae: typo\nextra: 1\n', 'p.yml'),
    { message: /^p\.yml:4: extra: unknown key: the keys allowed here are rules, apps, providers/ }, 'the outermost first')
  t.throws(() => parsePaastisFile('rules:\n  - pattern: x\n    ping: { regex: { body: ok }, setle: 1s }\n', 'p.yml'),
    { message: /^p\.yml:3: rules\[0\]\.ping\.setle: unknown key: did you mean "settle"\?/ }, 'at any depth')
  t.throws(() => parsePaastisFile('apps:\n  - name: a\n    run: x\n    port: 1\n    cwdd: .\n', 'p.yml'),
    { message: /^p\.yml:5: apps\[0\]\.cwdd: unknown key: did you mean "cwd"\?/ }, 'in apps')
  // eslint-disable-next-line no-template-curly-in-string -- a `${VAR}` reference of paastis.yml, literally
  t.throws(() => parsePaastisFile('providers:\n  - name: a\n    type: scalingo\n    api_tokn: ${T}\n', 'p.yml', { T: 'x' }),
    { message: /^p\.yml:4: providers\[0\]\.api_tokn: unknown key: did you mean "api_token"\?/ }, 'in providers')
})

t.test('apps: cwd resolves against the file, env values become strings', async (t) => {
  const file = parsePaastisFile('apps:\n  - name: hello\n    run: node server.js\n    port: 4001\n    cwd: ./examples/hello\n    env: { GREETING: hi, N: 3 }\n', '/srv/paastis/paastis.yml')
  t.same(file.apps, [{ name: 'hello', run: 'node server.js', port: 4001, cwd: path.resolve('/srv/paastis/examples/hello'), env: { GREETING: 'hi', N: '3' } }])
})

t.test('a missing file is empty unless it was asked for', async (t) => {
  t.same((await loadPaastisFile('/nonexistent/paastis.yml', false)).rules, [])
  await t.rejects(loadPaastisFile('/nonexistent/paastis.yml', true), { message: /\/nonexistent\/paastis\.yml: cannot be read/ })
  t.same(parsePaastisFile('', 'empty.yml').apps, [], 'an empty file is fine')
})

t.test('the schemas of the rules and the apps give each wrong value its own words and line', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['rules:\n  - pattern: x\n    strategy: maybe\n', /^p\.yml:3: rules\[0\]\.strategy: must be hold or page$/],
    ['rules:\n  - pattern: x\n    wake_timeout: never\n', /^p\.yml:3: rules\[0\]\.wake_timeout: must be a duration/],
    ['rules:\n  - pattern: x\n    ping: { method: get }\n', /^p\.yml:3: rules\[0\]\.ping\.method: must be an HTTP method/],
    ['rules:\n  - pattern: x\n    ping: { path: health }\n', /^p\.yml:3: rules\[0\]\.ping\.path: must start with \//],
    ['rules:\n  - pattern: x\n    ignore: maybe\n', /^p\.yml:3: rules\[0\]\.ignore: must be true or false$/],
    ['rules:\n  - pattern: x\n    app_name: y\n    aliases: ["not a host!"]\n', /^p\.yml:4: rules\[0\]\.aliases\[0\]: must be a host name/],
    ['rules:\n  - pattern: x\n    hosts: [a.example.com]\n', /rules\[0\]\.app_name: `hosts` and `aliases` need a literal `app_name`/],
    ['rules:\n  - pattern: "^(?=a)"\n', /^p\.yml:2: rules\[0\]\.pattern: invalid regular expression: .*not RE2 syntax/],
    ['apps:\n  - name: a\n    run: x\n    port: 1\n    env: { A: { b: 1 } }\n', /^p\.yml:5: apps\[0\]\.env\.A: must be a string$/],
    ['apps:\n  - name: a\n    run: x\n    upstream: ftp://x\n', /apps\[0\]\.upstream: "ftp:\/\/x" is not an http\(s\) URL/]
  ]
  for (const [yaml, message] of cases) t.throws(() => parsePaastisFile(yaml, 'p.yml'), { message }, yaml)
  const ok = parsePaastisFile('rules:\n  - pattern: x\n    app_name: y\n    aliases: [A.Example.com, { host: b.example.com, whitelisted: true }]\n    ping: { regex: { body: ok }, settle: 1s }\n', 'p.yml')
  t.same(ok.rules[0].hosts, [{ host: 'a.example.com', whitelisted: false }, { host: 'b.example.com', whitelisted: true }])
  t.equal(ok.rules[0].wake.ping?.method, 'GET', 'a body to match needs a GET')
  const plain = parsePaastisFile('rules:\n  - pattern: x\n    ping: { path: /health }\n', 'p.yml')
  t.equal(plain.rules[0].wake.ping?.method, 'GET', 'GET by default: the probe\'s connection stays open for the first request (undici closes it after a HEAD)')
  t.equal(ok.rules[0].wake.ping?.settleMs, 1000)
})
