// A JSON Schema validation error in the words of the thing checked: the allowed values listed, a
// pattern named by what it stands for (its schema's description, never the regex), an unknown
// field named. One formatter for the environment, the admin API and the CLI.

export interface SchemaIssue {
  keyword: string
  message?: string
  params: Record<string, unknown>
  /** Ajv's `verbose` errors carry the schema that failed: its description says what was expected. */
  parentSchema?: object | boolean
}

/** "`subject` must be …", for one issue of `subject` (a variable, a query field, a CLI flag). */
export function issueInWords (subject: string, issue: SchemaIssue, expected = describedBy(issue)): string {
  switch (issue.keyword) {
    case 'enum':
      return `${subject} must be one of: ${(issue.params.allowedValues as unknown[]).join(', ')}`
    case 'pattern':
      return expected === undefined ? `${subject} is not in the expected form` : `${subject} must be ${expected}`
    case 'additionalProperties':
      return `${subject} has no "${String(issue.params.additionalProperty)}"`
    case 'required':
      return `${subject} needs "${String(issue.params.missingProperty)}"`
    default:
      return `${subject} ${issue.message ?? 'is invalid'}`
  }
}

function describedBy (issue: SchemaIssue): string | undefined {
  const description = typeof issue.parentSchema === 'object' ? (issue.parentSchema as { description?: unknown }).description : undefined
  return typeof description === 'string' ? description : undefined
}
