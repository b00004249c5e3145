import { InvalidArgumentError } from './errors/invalid-argument-error.ts'
import { matchesParameterSpec, parameterValidator, type ParametersOf } from './parameter-schema.ts'
import type { ParameterSpec, ParameterSpecs } from './routing-strategy.ts'

function allowedText(spec: ParameterSpec): string {
  if (spec.type === 'enum') return (spec.values ?? []).map((v) => `'${v}'`).join(', ')
  if (spec.type === 'boolean') return 'true or false'
  if (spec.type === 'string') return 'a string'
  const lo = spec.min === undefined ? '(-∞' : `${spec.exclusiveMin ? '(' : '['}${spec.min}`
  const hi = spec.max === undefined ? '∞)' : `${spec.max}${spec.exclusiveMax ? ')' : ']'}`
  const what = spec.type === 'integer' ? 'an integer' : spec.type === 'number[]' ? 'a list of finite numbers, each' : 'a finite number'
  return `${what} in ${lo}, ${hi}`
}

/** Resolved parameter objects and the specs they were validated against: the proof that lets later layers skip a second check. */
const resolved = new WeakMap<object, ParameterSpecs>()

/** Whether `parameters` is what `resolveParameters` returned for exactly these specs (so it needs no second check). */
export function isResolvedParameters(specs: ParameterSpecs, parameters: unknown): boolean {
  return typeof parameters === 'object' && parameters !== null && resolved.get(parameters) === specs
}

function fillDefaults(specs: ParameterSpecs, parameters: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, spec] of Object.entries(specs)) {
    const value = parameters[key] === undefined ? spec.default : parameters[key]
    if (value === undefined) continue
    // Typed arrays are accepted for number lists and stored as plain arrays (what the schema and JSON know).
    out[key] = spec.type === 'number[]' && ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number>) : value
  }
  return out
}

/** The first parameter, in spec order, that is missing or not allowed: the error a failed schema check reports. */
function firstInvalid(owner: string, specs: ParameterSpecs, values: Record<string, unknown>): InvalidArgumentError {
  for (const [key, spec] of Object.entries(specs)) {
    const value = values[key]
    if (value === undefined ? !spec.optional : !matchesParameterSpec(spec, value)) {
      return new InvalidArgumentError({ parameter: `${owner}.${key}`, value, allowed: allowedText(spec) })
    }
  }
  return new InvalidArgumentError({ parameter: `${owner} parameters`, value: values, allowed: 'parameters matching their specs' })
}

/**
 * Validates parameters against their specs (one TypeBox schema check of the whole object) and fills in
 * defaults. Unknown keys are an error that lists the known ones (a typo must not silently fall back to a
 * default). The result is frozen and remembered, so passing it on (registry → definition → strategy)
 * is not validated again: each parameter is checked once per call.
 */
export function resolveParameters<const S extends ParameterSpecs>(owner: string, specs: S, given: object = {}): ParametersOf<S> {
  if (typeof specs !== 'object' || specs === null)
    throw new InvalidArgumentError({ parameter: `${String(owner)} parameter specs`, value: specs, allowed: 'an object of ParameterSpec' })
  const parameters = given as Readonly<Record<string, unknown>>
  if (isResolvedParameters(specs, parameters)) return parameters as ParametersOf<S>
  const known = Object.keys(specs)
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
    throw new InvalidArgumentError({ parameter: `${owner} parameters`, value: parameters, allowed: 'an object of named parameters' })
  }
  for (const key of Reflect.ownKeys(parameters)) {
    if (typeof key !== 'string') {
      throw new InvalidArgumentError({ parameter: `${owner} parameters`, value: String(key), allowed: 'string parameter names' })
    }
    if (!Object.hasOwn(specs, key)) {
      throw new InvalidArgumentError({
        parameter: `${owner}.${key}`,
        value: parameters[key],
        allowed: known.length ? `one of the parameters [${known.join(', ')}]` : 'no parameters',
        message: `Unknown parameter '${key}' for ${owner}. Known parameters: [${known.join(', ')}].`,
      })
    }
  }
  const out = fillDefaults(specs, parameters)
  if (!parameterValidator(specs).check(out)) throw firstInvalid(owner, specs, out)
  Object.freeze(out)
  resolved.set(out, specs)
  return out as ParametersOf<S>
}

/** Decimal numbers only: `0x10`, `0b1`, `1_000`, `Infinity` and empty text are not numbers here. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
/** Longest `--param` value parsed; anything longer is refused before it is split or converted. */
const MAX_PARAMETER_TEXT = 1 << 16

function parseDecimal(text: string): number {
  const t = text.trim()
  return DECIMAL.test(t) ? Number(t) : Number.NaN
}

/**
 * Parses a command-line `key=value` string value according to its spec (numbers, booleans, lists).
 * Numbers are decimal only (`0x10` is an error, not 16); out-of-range values are left to `resolveParameters`.
 */
export function parseParameterValue(owner: string, key: string, spec: ParameterSpec, raw: string): unknown {
  if (typeof spec !== 'object' || spec === null)
    throw new InvalidArgumentError({ parameter: `${String(owner)}.${String(key)} spec`, value: spec, allowed: 'a ParameterSpec' })
  const fail = () => new InvalidArgumentError({ parameter: `${owner}.${key}`, value: raw, allowed: allowedText(spec) })
  if (typeof raw !== 'string' || raw.length > MAX_PARAMETER_TEXT) throw fail()
  switch (spec.type) {
    case 'number':
    case 'integer': {
      const v = parseDecimal(raw)
      if (Number.isNaN(v)) throw fail()
      return v
    }
    case 'boolean':
      if (raw === 'true') return true
      if (raw === 'false') return false
      throw fail()
    case 'number[]':
      return raw.split(',').map((part) => {
        const v = parseDecimal(part)
        if (Number.isNaN(v)) throw fail()
        return v
      })
    default:
      return raw
  }
}
