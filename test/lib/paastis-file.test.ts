import path from 'node:path'
import t from 'tap'
import { ConfigFileError, loadPaastisFile, parsePaastisFile } from '../../lib/paastis-file'

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
  t.throws(() => parsePaastisFile("rules:\n  - pattern: x\n    app_max_idle_time: soon\n", 'p.yml'),
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

t.test('unknown keys warn, with their line', async (t) => {
  const file = parsePaastisFile("rules:\n  - pattern: x\n    app_nmae: typo\nextra: 1\n", 'p.yml')
  t.same(file.warnings, ['p.yml:4: unknown key "extra" ignored', 'p.yml:3: unknown key "rules[0].app_nmae" ignored'])
  t.equal(file.rules.length, 1)
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
