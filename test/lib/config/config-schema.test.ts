// The Env type is derived from the schema: checked where it matters by the type checker
// (`npm test` runs tsc on the tests first), and the schema's defaults checked at run time.
import Ajv from 'ajv'
import t from 'tap'
import { envSchema, type Env } from '../../../lib/config/config-schema'

// A defaulted variable is always there, with the schema's type; one without a default may be missing.
const port: number = ({} as Env).PORT
const provider: 'command' | 'scalingo' | 'clever-cloud' | 'heroku' | 'docker' = ({} as Env).PROVIDER_NAME
const redis: string | undefined = ({} as Env).REGISTRY_REDIS_URL
// @ts-expect-error REGISTRY_REDIS_URL has no default: it may be undefined
const notAlways: string = ({} as Env).REGISTRY_REDIS_URL
// @ts-expect-error PORT is a number, not a string
const notText: string = ({} as Env).PORT
void [port, provider, redis, notAlways, notText] // type checks only

t.test('an empty environment gets every default, typed as Env says', async (t) => {
  const validate = new Ajv({ useDefaults: true, coerceTypes: true, strict: false }).compile(envSchema)
  const env: Record<string, unknown> = { PORT: '8080' }
  t.ok(validate(env))
  const typed = env as Env
  t.equal(typed.PORT, 8080, 'coerced to the number the type says')
  t.equal(typed.PROVIDER_NAME, 'command')
  t.equal(typed.REGISTRY_REDIS_URL, undefined)
})
