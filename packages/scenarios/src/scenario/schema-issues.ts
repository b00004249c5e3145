import type { TSchema } from '@sinclair/typebox'
import { Errors, ValueErrorType, type ValueError } from '@sinclair/typebox/errors'

/** One place where a value does not match its schema, with the path written as a reader would (`a.b[0].c`). */
export interface SchemaMismatch {
  readonly path: string
  readonly value: unknown
  /** The schema the value failed (for a missing key, the key's schema). */
  readonly schema: TSchema
  /** Set for a key the schema does not know: the keys it does. */
  readonly knownKeys?: readonly string[]
}

/** `/layerStrategies/0/layers` → `layerStrategies[0].layers`; the root is `$`. */
export function readablePath(pointer: string): string {
  if (pointer === '') return '$'
  let out = ''
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`
  }
  return out
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array'
  if (value === null) return 'null'
  return typeof value
}

/** The one member of a union that could describe `value` (same JSON type), so its errors can be reported in detail. */
function memberFor(union: TSchema, value: unknown): TSchema | undefined {
  const kind = jsonKind(value)
  const members = ((union['anyOf'] ?? []) as TSchema[]).filter((s) => s['type'] === kind || (kind === 'number' && s['type'] === 'integer'))
  return members.length === 1 ? members[0] : undefined
}

function* walk(schema: TSchema, value: unknown, prefix: string): Generator<[string, ValueError]> {
  for (const error of Errors(schema, value)) {
    if (error.type === ValueErrorType.Union) {
      const member = memberFor(error.schema, error.value)
      if (member) {
        yield* walk(member, error.value, prefix + error.path)
        continue
      }
    }
    yield [prefix + error.path, error]
  }
}

/**
 * Every mismatch of `value` with `schema`, one per path (the first TypeBox reports), in schema order.
 * A union whose value has the JSON type of exactly one member is reported inside that member, so a
 * typo in a strategy object names the key, not the whole union.
 */
export function schemaMismatches(schema: TSchema, value: unknown): SchemaMismatch[] {
  const seen = new Set<string>()
  const out: SchemaMismatch[] = []
  for (const [pointer, error] of walk(schema, value, '')) {
    const path = readablePath(pointer)
    if (seen.has(path)) continue
    seen.add(path)
    if (error.type === ValueErrorType.ObjectAdditionalProperties) {
      out.push({ path, value: error.value, schema: error.schema, knownKeys: Object.keys((error.schema['properties'] ?? {}) as object) })
    } else out.push({ path, value: error.value, schema: error.schema })
  }
  return out
}

/** What a leaf schema allows, in words (`an integer in [1, 64]`, `one of [a, b]`); `undefined` for objects, lists and unions of shapes. */
export function allowedBySchema(schema: TSchema): string | undefined {
  const lo = schema['minimum'] as number | undefined
  const hi = schema['maximum'] as number | undefined
  switch (schema['type']) {
    case 'integer':
      return `an integer in [${lo ?? '-∞'}, ${hi ?? '∞'}]`
    case 'number':
      return lo === undefined ? 'a finite number' : `a finite number ≥ ${lo}`
    case 'boolean':
      return 'true or false'
    case 'string':
      return 'a string'
  }
  const members = schema['anyOf'] as TSchema[] | undefined
  if (members?.every((m) => m['const'] !== undefined)) return `one of [${members.map((m) => String(m['const'])).join(', ')}]`
  return undefined
}
