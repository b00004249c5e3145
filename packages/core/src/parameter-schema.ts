import {
  Array as ArrayOf,
  Boolean as BooleanType,
  Integer,
  Literal,
  Never,
  Number as NumberType,
  Object as ObjectOf,
  Optional,
  String as StringType,
  Union,
  type Static,
  type TArray,
  type TBoolean,
  type TInteger,
  type TNumber,
  type TObject,
  type TOptional,
  type TSchema,
  type TLiteral,
  type TString,
  type TUnion,
} from '@sinclair/typebox'
import { Check } from '@sinclair/typebox/value'
import type { ParameterSpec, ParameterSpecs } from './routing-strategy.ts'

/** The TypeBox schema one parameter spec stands for (its static type is the parameter's value type). */
export type ParameterSchemaOf<S extends ParameterSpec> = S['type'] extends 'integer'
  ? TInteger
  : S['type'] extends 'number'
    ? TNumber
    : S['type'] extends 'boolean'
      ? TBoolean
      : S['type'] extends 'string'
        ? TString
        : S['type'] extends 'number[]'
          ? TArray<TNumber>
          : S['type'] extends 'enum'
            ? TUnion<TLiteral<S extends { readonly values: readonly (infer V extends string)[] } ? V : string>[]>
            : TSchema

/** Keys present after resolution: those with a default or not optional. */
type RequiredKeys<S extends ParameterSpecs> = {
  [K in keyof S & string]: S[K] extends { readonly default: NonNullable<unknown> } ? K : S[K] extends { readonly optional: true } ? never : K
}[keyof S & string]

/** The TypeBox object schema of resolved parameters: defaults filled in, no unknown keys. */
export type ParametersSchema<S extends ParameterSpecs> = TObject<{
  -readonly [K in keyof S & string]: K extends RequiredKeys<S> ? ParameterSchemaOf<S[K]> : TOptional<ParameterSchemaOf<S[K]>>
}>

/**
 * The static type of resolved parameters, inferred from each parameter's schema (TypeBox `Static`):
 * `{ exponent: number; layout: 'per_layer' | 'per_call' | 'identity' }` for literal specs,
 * `Record<string, unknown>` for specs only known at run time (plugins, `ParameterSpecs`).
 */
export type ParametersOf<S extends ParameterSpecs> = string extends keyof S
  ? Record<string, unknown>
  : { -readonly [K in RequiredKeys<S>]: Static<ParameterSchemaOf<S[K]>> } & {
      -readonly [K in Exclude<keyof S & string, RequiredKeys<S>>]?: Static<ParameterSchemaOf<S[K]>>
    }

/** Checks resolved parameters (defaults filled in) against one spec set's schema; one instance per spec set. */
export interface ParameterValidator<S extends ParameterSpecs = ParameterSpecs> {
  /** JSON Schema (TypeBox) of the resolved parameters. */
  readonly schema: ParametersSchema<S>
  /** One schema check of a whole parameter object: the only place parameter values are validated. */
  check(parameters: unknown): boolean
}

function rangeOptions(spec: ParameterSpec): Record<string, number> {
  const out: Record<string, number> = {}
  if (spec.min !== undefined) out[spec.exclusiveMin ? 'exclusiveMinimum' : 'minimum'] = spec.min
  if (spec.max !== undefined) out[spec.exclusiveMax ? 'exclusiveMaximum' : 'maximum'] = spec.max
  return out
}

/** The JSON Schema of one parameter spec (TypeBox: NaN and ±Infinity are never numbers). */
export function parameterSchema<const S extends ParameterSpec>(spec: S): ParameterSchemaOf<S> {
  const annotations: Record<string, unknown> = { description: spec.description }
  if (spec.default !== undefined) annotations['default'] = spec.default
  switch (spec.type) {
    case 'integer':
      return Integer({ ...annotations, ...rangeOptions(spec) }) as ParameterSchemaOf<S>
    case 'number':
      return NumberType({ ...annotations, ...rangeOptions(spec) }) as ParameterSchemaOf<S>
    case 'number[]':
      return ArrayOf(NumberType(rangeOptions(spec)), annotations) as ParameterSchemaOf<S>
    case 'boolean':
      return BooleanType(annotations) as ParameterSchemaOf<S>
    case 'string':
      return StringType(annotations) as ParameterSchemaOf<S>
    case 'enum':
      return Union(
        (spec.values ?? []).map((v) => Literal(v)),
        annotations,
      ) as unknown as ParameterSchemaOf<S>
    default:
      // A spec of a type outside ParameterType (a plugin's typo) accepts nothing.
      return Never(annotations) as unknown as ParameterSchemaOf<S>
  }
}

function buildSchema(specs: ParameterSpecs): TSchema {
  const properties: Record<string, TSchema> = {}
  for (const [key, spec] of Object.entries(specs)) {
    const schema = parameterSchema(spec)
    properties[key] = spec.default === undefined && spec.optional ? Optional(schema) : schema
  }
  return ObjectOf(properties, { additionalProperties: false })
}

const validators = new WeakMap<ParameterSpecs, ParameterValidator>()

/**
 * The validator of a spec set, built once and kept while the specs live, so every caller that holds
 * the same (frozen) specs shares one schema and one counter-visible `check`.
 */
export function parameterValidator<const S extends ParameterSpecs>(specs: S): ParameterValidator<S> {
  let validator = validators.get(specs)
  if (!validator) {
    // Checked as a plain TSchema: the generic schema type is for callers, not for the checker.
    const schema = buildSchema(specs)
    const created: ParameterValidator = { schema: schema as unknown as ParametersSchema<ParameterSpecs>, check: (parameters) => Check(schema, parameters) }
    validators.set(specs, created)
    validator = created
  }
  return validator as unknown as ParameterValidator<S>
}

/** Whether one value is allowed by one spec (used only to name the first bad parameter after a failed check). */
export function matchesParameterSpec(spec: ParameterSpec, value: unknown): boolean {
  return Check(parameterSchema(spec), value)
}
