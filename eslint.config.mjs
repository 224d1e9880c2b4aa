// The style of the Fastify ecosystem (fastify/demo runs neostandard): standard, for TypeScript,
// run by `npm test` (`npm run lint`; `npx eslint . --fix` repairs most of what it reports).
import globals from 'globals'
import neostandard from 'neostandard'

export default [
  { ignores: ['dist/**', 'node_modules/**', '.tap/**', 'coverage/**', 'test/artifacts/**', '.ci/**'] },
  ...neostandard({ ts: true }),
  {
    rules: {
      // `void promise` marks a promise deliberately not awaited (its errors handled where it is
      // made), as typescript-eslint's no-floating-promises asks; anywhere else void stays refused.
      'no-void': ['error', { allowAsStatement: true }]
    }
  },
  {
    // The dashboard's script runs in the browser.
    files: ['dashboard/**/*.js'],
    languageOptions: { globals: globals.browser }
  }
]
