import { InvalidArgumentError } from './errors/invalid-argument-error.ts'
import type { Prng, Seed } from './prng.ts'
import type { IndexDtype, RoutingResult, ShapedInput, Tensor } from './tensor.ts'
import type { KernelBackend } from './kernel-backend.ts'

/** What a caller (usually the simulator) lends a strategy for one call. */
export interface RoutingContext {
  /** The stream to draw from. The simulator passes its own, so one seed governs a whole run. */
  readonly prng?: Prng
  /** Layer index within a multi-layer scenario (for per-layer structure). */
  readonly layer?: number
}

/**
 * The seed's `RoutingStrategy`: route T tokens to k experts each.
 * `hiddenStates` is `[T, H]` (only its shape is read), `routerLogits` is `[T, E]`.
 * Returns `[topkWeights (Float32Array [T, k]), topkIds ([T, k], dtype per indicesType, default int32)]`.
 */
export interface RoutingStrategy {
  routeTokens(
    hiddenStates: ShapedInput,
    routerLogits: Tensor | ShapedInput,
    topK: number,
    indicesType?: IndexDtype,
    context?: RoutingContext,
  ): RoutingResult
  /** Optional: the same routing computed on a kernel backend (GPU etc.). */
  routeTokensOn?(
    backend: KernelBackend,
    hiddenStates: ShapedInput,
    routerLogits: Tensor | ShapedInput,
    topK: number,
    indicesType?: IndexDtype,
    context?: RoutingContext,
  ): Promise<RoutingResult>
}

export type ParameterType = 'number' | 'integer' | 'boolean' | 'string' | 'enum' | 'number[]'

/** One documented, validated strategy parameter. */
export interface ParameterSpec {
  readonly type: ParameterType
  readonly description: string
  readonly default?: unknown
  readonly min?: number
  readonly max?: number
  readonly exclusiveMin?: boolean
  readonly exclusiveMax?: boolean
  /** Allowed values for `enum`. */
  readonly values?: readonly string[]
  /** May be left out with no default. */
  readonly optional?: boolean
}

export type ParameterSpecs = Readonly<Record<string, ParameterSpec>>

/**
 * A strategy as the registry, the CLI and plugin packages know it: a name, a one-line description,
 * its parameters, and a factory. Plugins export one of these (see `defineStrategy`).
 */
export interface StrategyDefinition<P extends Record<string, unknown> = Record<string, unknown>> {
  /** Registered name, snake_case. */
  readonly name: string
  /** One line, shown by `routesim strategies`. */
  readonly description: string
  readonly parameters: ParameterSpecs
  /** Where the pattern comes from (paper, PR, codebase). */
  readonly source?: string
  /** The defining formula in plain text. */
  readonly formula?: string
  /** Whether routing reads the logit values (real routers) or only the shapes. */
  readonly usesLogits?: boolean
  /** Promises k distinct experts per token; the result guard checks it for strategies that are not built-ins. */
  readonly distinctIds?: boolean
  /** The plugin (npm package or file) this definition came from; error messages name it. */
  readonly plugin?: string
  /** Builds a strategy from already-validated parameters (defaults filled in). */
  create(parameters: P, options: { seed?: Seed }): RoutingStrategy
}

function frozenSpec(spec: ParameterSpec): ParameterSpec {
  const copy: Record<string, unknown> = { ...spec }
  if (Array.isArray(spec.values)) copy['values'] = Object.freeze([...spec.values])
  if (Array.isArray(spec.default)) copy['default'] = Object.freeze([...(spec.default as unknown[])])
  return Object.freeze(copy) as unknown as ParameterSpec
}

/**
 * A frozen copy of a definition (its parameter specs, their defaults and value lists frozen too), with
 * `overrides` applied, so no holder of it can change what another holder sees.
 */
export function freezeDefinition<P extends Record<string, unknown>>(
  definition: StrategyDefinition<P>,
  overrides: Partial<StrategyDefinition<P>> = {},
): StrategyDefinition<P> {
  if (typeof definition !== 'object' || definition === null || typeof definition.create !== 'function') {
    throw new InvalidArgumentError({ parameter: 'definition', value: definition, allowed: '{ name, description, parameters, create(params, options) }' })
  }
  const parameters: Record<string, ParameterSpec> = {}
  for (const [key, spec] of Object.entries(definition.parameters ?? {})) parameters[key] = frozenSpec(spec)
  const create = overrides.create ?? definition.create.bind(definition)
  return Object.freeze({ ...definition, ...overrides, parameters: Object.freeze(parameters), create })
}

/** Gives plugin authors type inference, and returns a frozen copy (see `freezeDefinition`). */
export function defineStrategy<P extends Record<string, unknown>>(definition: StrategyDefinition<P>): StrategyDefinition<P> {
  return Object.isFrozen(definition) ? definition : freezeDefinition(definition)
}

export function isRoutingStrategy(value: unknown): value is RoutingStrategy {
  return typeof value === 'object' && value !== null && typeof (value as RoutingStrategy).routeTokens === 'function'
}

export function isStrategyDefinition(value: unknown): value is StrategyDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as StrategyDefinition).name === 'string' &&
    typeof (value as StrategyDefinition).create === 'function' &&
    typeof (value as StrategyDefinition).parameters === 'object'
  )
}
