import type { ChunkRunner } from './chunk-runner.ts'
import { InvalidArgumentError } from './errors/invalid-argument-error.ts'
import type { Prng, Seed } from './prng.ts'
import type { IndexDtype, RoutingResult, ShapedInput, Tensor } from './tensor.ts'
import type { KernelBackend } from './kernel-backend.ts'
import type { DeviceDraw, DeviceDrawRequest } from './device-step.ts'

/** What a caller (usually the simulator) lends a strategy for one call. */
export interface RoutingContext {
  /** The stream to draw from. The simulator passes its own, so one seed governs a whole run. */
  readonly prng?: Prng
  /** Layer index within a multi-layer scenario (for per-layer structure). */
  readonly layer?: number
  /** Runs large requests in fixed row chunks, possibly on several threads (the simulator lends its pool). */
  readonly runner?: ChunkRunner
  /**
   * Caller-owned outputs `[T, k]` (int32 ids): strategies that support it write into these arrays and return
   * them; others ignore it (the simulator then copies). On SharedArrayBuffers, threads write them in place.
   */
  readonly output?: RoutingOutput
}

/** Arrays a caller owns and reuses across calls, written by routing in place. */
export interface RoutingOutput {
  readonly ids: Int32Array
  readonly weights: Float32Array
}

/**
 * The seed's `RoutingStrategy`: route T tokens to k experts each.
 * `hiddenStates` is `[T, H]` (only its shape is read), `routerLogits` is `[T, E]`.
 * Returns `[topkWeights (Float32Array [T, k]), topkIds ([T, k], dtype per indicesType, default int32)]`.
 */
export interface RoutingStrategy {
  routeTokens(hiddenStates: ShapedInput, routerLogits: Tensor | ShapedInput, topK: number, indicesType?: IndexDtype, context?: RoutingContext): RoutingResult
  /** Optional: the same routing computed on a kernel backend (GPU etc.). */
  routeTokensOn?(
    backend: KernelBackend,
    hiddenStates: ShapedInput,
    routerLogits: Tensor | ShapedInput,
    topK: number,
    indicesType?: IndexDtype,
    context?: RoutingContext,
  ): Promise<RoutingResult>
  /**
   * Optional: the layer's draw as a device can make it (a sampling kind and its weights), when every call for
   * this layer draws from that same distribution; `undefined` when it does not (the loop then routes on the host).
   */
  deviceDraw?(request: DeviceDrawRequest): DeviceDraw | undefined
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

/** Parameter spec sets made by `freezeDefinition`: already deeply frozen, so shared as they are. */
const frozenParameterSets = new WeakSet<ParameterSpecs>()

function frozenParameters(specs: ParameterSpecs | undefined): ParameterSpecs {
  if (specs !== undefined && frozenParameterSets.has(specs)) return specs
  const parameters: Record<string, ParameterSpec> = {}
  for (const [key, spec] of Object.entries(specs ?? {})) parameters[key] = frozenSpec(spec)
  const frozen = Object.freeze(parameters)
  frozenParameterSets.add(frozen)
  return frozen
}

/**
 * A deeply frozen copy of a parameter spec set that keeps its literal type, so `resolveParameters`
 * infers the resolved parameters' types from it and every definition built on it shares it (resolved
 * once, never re-checked by the next holder).
 */
export function defineParameters<const S extends ParameterSpecs>(specs: S): S {
  return frozenParameters(specs) as S
}

/**
 * A frozen copy of a definition (its parameter specs, their defaults and value lists frozen too), with
 * `overrides` applied, so no holder of it can change what another holder sees. Specs frozen here once
 * are shared by every copy, so parameters resolved against one copy are known valid for all of them.
 */
export function freezeDefinition<P extends Record<string, unknown>>(
  definition: StrategyDefinition<P>,
  overrides: Partial<StrategyDefinition<P>> = {},
): StrategyDefinition<P> {
  if (typeof definition !== 'object' || definition === null || typeof definition.create !== 'function') {
    throw new InvalidArgumentError({ parameter: 'definition', value: definition, allowed: '{ name, description, parameters, create(params, options) }' })
  }
  const create = overrides.create ?? definition.create.bind(definition)
  return Object.freeze({ ...definition, ...overrides, parameters: frozenParameters(definition.parameters), create })
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
