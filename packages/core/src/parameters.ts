import { InvalidArgumentError } from './errors/invalid-argument-error.ts'
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

function inRange(spec: ParameterSpec, v: number): boolean {
  if (!Number.isFinite(v)) return false
  if (spec.type === 'integer' && !Number.isInteger(v)) return false
  if (spec.min !== undefined && (spec.exclusiveMin ? v <= spec.min : v < spec.min)) return false
  if (spec.max !== undefined && (spec.exclusiveMax ? v >= spec.max : v > spec.max)) return false
  return true
}

function checkValue(prefix: string, key: string, spec: ParameterSpec, value: unknown): unknown {
  const fail = () => new InvalidArgumentError({ parameter: `${prefix}${key}`, value, allowed: allowedText(spec) })
  switch (spec.type) {
    case 'number':
    case 'integer':
      if (typeof value !== 'number' || !inRange(spec, value)) throw fail()
      return value
    case 'boolean':
      if (typeof value !== 'boolean') throw fail()
      return value
    case 'string':
      if (typeof value !== 'string') throw fail()
      return value
    case 'enum':
      if (typeof value !== 'string' || !(spec.values ?? []).includes(value)) throw fail()
      return value
    case 'number[]': {
      const list = ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number>) : value
      if (!Array.isArray(list) || !list.every((v) => typeof v === 'number' && inRange(spec, v))) throw fail()
      return list
    }
  }
}

/**
 * Validates parameters against their specs and fills in defaults. Unknown keys are an error that
 * lists the known ones (a typo must not silently fall back to a default).
 */
export function resolveParameters(
  owner: string,
  specs: ParameterSpecs,
  parameters: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  if (typeof specs !== 'object' || specs === null) throw new InvalidArgumentError({ parameter: `${String(owner)} parameter specs`, value: specs, allowed: 'an object of ParameterSpec' })
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
  const out: Record<string, unknown> = {}
  for (const [key, spec] of Object.entries(specs)) {
    const value = parameters[key] === undefined ? spec.default : parameters[key]
    if (value === undefined) {
      if (spec.optional) continue
      throw new InvalidArgumentError({ parameter: `${owner}.${key}`, value, allowed: allowedText(spec) })
    }
    out[key] = checkValue(`${owner}.`, key, spec, value)
  }
  return out
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
  if (typeof spec !== 'object' || spec === null) throw new InvalidArgumentError({ parameter: `${String(owner)}.${String(key)} spec`, value: spec, allowed: 'a ParameterSpec' })
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
