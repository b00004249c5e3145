import { Option, type Command } from 'commander'
import {
  ConfigValidationError,
  InvalidArgumentError,
  describeValue,
  defineParameters,
  parameterValidator,
  parseParameterValue,
  resolveParameters,
  type ParameterSpecs,
  type ParametersOf,
  type ParametersSchema,
} from '@routesim/core'

/**
 * One command's flags as one schema. Flags are written as parameter specs, the vocabulary of strategy
 * parameters, so the same machinery serves both: `parseParameterValue` reads each flag's text (decimal
 * numbers only, as for `--param`), `resolveParameters` checks them all with one TypeBox schema check,
 * and `ParametersOf` (TypeBox `Static`) types what the command's handler gets. commander still parses
 * argv; it no longer checks values (enum choices appear in the help, the schema checks them).
 */
export interface FlagSchema<S extends ParameterSpecs> {
  /** The command these flags belong to (`''` for the program's own flags), for messages about the schema itself. */
  readonly command: string
  /** The flags by commander attribute name (`topK` for `--top-k`), frozen: one shared validator. */
  readonly specs: S
  /** The JSON Schema (TypeBox) of the parsed flags. */
  readonly schema: ParametersSchema<S>
  /** A commander option for one flag, with the spec's description, default and (for enums) choices. */
  option(key: keyof S & string, flags: string): Option
  /** The command's flag values, read and validated once; a bad value is an `InvalidArgumentError` naming the flag and the text typed. */
  parse(command: Command): ParametersOf<S>
}

/** What a parsed flag object keeps for the cross-field bounds checked after the schema. */
interface FlagOrigin {
  readonly specs: ParameterSpecs
  readonly names: ReadonlyMap<string, string>
  readonly texts: Readonly<Record<string, string>>
}

const origins = new WeakMap<object, FlagOrigin>()

/** An error about `${owner}.${key}` renamed to the flag, with the text the user typed as its value. */
function renameError(error: unknown, owner: string, names: ReadonlyMap<string, string>, texts: Readonly<Record<string, string>>): unknown {
  if (!InvalidArgumentError.isInstance(error) || !error.parameter.startsWith(`${owner}.`)) return error
  const key = error.parameter.slice(owner.length + 1)
  const name = names.get(key)
  if (name === undefined) return error
  return new InvalidArgumentError({ parameter: name, value: Object.hasOwn(texts, key) ? texts[key] : error.value, allowed: error.allowed, cause: error })
}

/**
 * After a failed check, every bad flag in the command's order: one `InvalidArgumentError` when one flag is
 * bad (the flag, the text typed, what is allowed), else a `ConfigValidationError` listing each, as
 * `simulate` lists its flags.
 */
function flagError(
  origin: FlagOrigin & { readonly owner: string },
  values: Record<string, unknown>,
  unreadable: Map<string, unknown>,
  failure: unknown,
): unknown {
  const { owner, specs, names, texts } = origin
  const problems: unknown[] = []
  for (const [key, spec] of Object.entries(specs)) {
    let problem = unreadable.get(key)
    if (problem === undefined && values[key] !== undefined) {
      try {
        // This flag alone, so its message is core's own words for its spec.
        resolveParameters(owner, { [key]: spec }, { [key]: values[key] })
      } catch (error) {
        problem = error
      }
    }
    if (problem !== undefined) problems.push(renameError(problem, owner, names, texts))
  }
  const typed = problems.filter((p) => InvalidArgumentError.isInstance(p))
  // Nothing to name flag by flag (or an error that is not about a value): the error as it came.
  if (typed.length === 0 || typed.length < problems.length) return problems[0] ?? renameError(failure, owner, names, texts)
  if (typed.length === 1) return typed[0]
  return new ConfigValidationError({
    source: `${owner} flags`,
    issues: typed.map((p) => ({ path: p.parameter, message: `${describeValue(p.value)} is not allowed; expected ${p.allowed}` })),
  })
}

/**
 * The flag schema of `command` (`''`: the program's own flags, given before or after the command): specs
 * keyed by commander attribute names (`epSize` for `--ep-size`).
 */
export function defineFlags<const S extends ParameterSpecs>(command: string, flagSpecs: S): FlagSchema<S> {
  const specs = defineParameters(flagSpecs)
  const owner = command === '' ? 'routesim' : `routesim ${command}`
  return Object.freeze({
    command,
    specs,
    schema: parameterValidator(specs).schema,
    option(key: keyof S & string, flags: string): Option {
      const spec = specs[key]!
      const option = new Option(flags, spec.description)
      if (option.attributeName() !== key) throw new Error(`${owner}: flag ${flags} does not belong to the schema key '${key}'`)
      if (spec.default !== undefined) option.default(String(spec.default))
      // Shown in the help only: commander would reject a bad value before the schema could name it.
      if (spec.type === 'enum') option.argChoices = [...(spec.values ?? [])]
      if (spec.default === undefined && !spec.optional && spec.type !== 'boolean') option.makeOptionMandatory()
      return option
    },
    parse(cmd: Command): ParametersOf<S> {
      const given = cmd.opts()
      const names = new Map(cmd.options.map((o) => [o.attributeName(), o.long ?? o.flags]))
      const values: Record<string, unknown> = {}
      const texts: Record<string, string> = {}
      const unreadable = new Map<string, unknown>()
      for (const [key, spec] of Object.entries(specs)) {
        if (!names.has(key)) throw new Error(`${owner}: the flag schema names '${key}', which the command does not define`)
        const raw: unknown = given[key]
        if (typeof raw !== 'string') {
          if (raw !== undefined) values[key] = raw
          continue
        }
        texts[key] = raw
        try {
          values[key] = spec.type === 'string' || spec.type === 'enum' ? raw : parseParameterValue(owner, key, spec, raw)
        } catch (error) {
          unreadable.set(key, error)
        }
      }
      let failure: unknown
      if (unreadable.size === 0) {
        try {
          // The one check of every flag: one TypeBox schema over the whole object.
          const flags = resolveParameters(owner, specs, values)
          origins.set(flags, { specs, names, texts })
          return flags
        } catch (error) {
          failure = error
        }
      }
      throw flagError({ owner, specs, names, texts }, values, unreadable, failure)
    },
  })
}

/** Keys of `F` whose values are numbers. */
type NumericKey<F> = { [K in keyof F]-?: Exclude<F[K], undefined> extends number ? K : never }[keyof F] & string

/**
 * A bound one flag's schema cannot state because it depends on another flag or on the input (`--top-k`
 * at most `--experts`, `--ep-size` at most the trace's experts): checked after the schema, naming the
 * flag, the text typed and the range. Absent flags pass.
 */
export function flagAtMost<F extends object>(flags: F, key: NumericKey<F>, max: number, note?: string): void {
  const value = flags[key] as number | undefined
  if (value === undefined || value <= max) return
  const origin = origins.get(flags)
  if (origin === undefined) throw new Error(`flagAtMost: the flags were not parsed by a flag schema`)
  const spec = origin.specs[key]
  throw new InvalidArgumentError({
    parameter: origin.names.get(key) ?? key,
    value: Object.hasOwn(origin.texts, key) ? origin.texts[key] : value,
    allowed: `an integer in [${spec?.min ?? '-∞'}, ${max}]${note === undefined ? '' : ` (${note})`}`,
  })
}
