// What an answer from outside (a provider's API, the admin API seen by the CLI) must look like
// before anything reads it: a JSON Schema of the fields used, and a name for the error that says
// what came instead ("not the JSON of an app list").
import Ajv, { type ValidateFunction } from 'ajv'

export interface Shape {
  /** "an app list": read in "not the JSON of an app list". */
  what: string
  schema: object
}

const ajv = new Ajv({ allErrors: false, strict: false })
const validators = new WeakMap<object, ValidateFunction>()

/** undefined when `body` has the shape; else where and why it has not ("/apps must be array"). */
export function shapeError (shape: Shape, body: unknown): string | undefined {
  let validate = validators.get(shape.schema)
  if (validate === undefined) {
    validate = ajv.compile(shape.schema)
    validators.set(shape.schema, validate)
  }
  if (validate(body)) return undefined
  const error = validate.errors?.[0]
  return error === undefined ? 'it is invalid' : `${error.instancePath === '' ? 'the document' : error.instancePath} ${error.message ?? 'is invalid'}`
}
