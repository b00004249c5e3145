import { InvalidArgumentError, createPrng } from '@routesim/core'
import { createReferenceBackend } from '@routesim/backend-cpu'
import type {
  BackendRun,
  IndexArray,
  IndexDtype,
  KernelBackend,
  Prng,
  PrngState,
  RoutingContext,
  RoutingResult,
  RoutingStrategy,
  Seed,
  ShapedInput,
  StrategyDefinition,
  Tensor,
} from '@routesim/core'
import { routerDefinitions } from '@routesim/routers'
import { strategyDefinitions } from '@routesim/strategies'
import { builtInDefinitions } from './built-in-definitions.ts'
import { createStrategyRegistry } from './strategy-registry.ts'
import type { RegisterOptions, StrategyRegistry } from './strategy-registry.ts'

export interface SimulatorOptions {
  /** Seeds the simulator's stream (lent to strategies) and the default instances of definitions. Default 0. */
  readonly seed?: Seed
  /** Kernel backend for `simulateRoutingAsync`. Default: core's reference backend. */
  readonly backend?: KernelBackend
  /** Register the built-ins (seed strategies, routers, synthetic strategies). Default true. */
  readonly builtIns?: boolean
}

/** Per-call extras for `simulateRouting`. */
export interface SimulateOptions {
  /** Layer index within a multi-layer scenario, passed to the strategy in its context. */
  readonly layer?: number
}

/** One routing request: a strategy on a batch, on a kernel backend. */
export interface RouteRequest {
  /** A registered name, or an instance (e.g. from `createStrategy`). */
  readonly strategy: string | RoutingStrategy
  /** `[T, H]`; only the shape is read. */
  readonly hiddenStates: ShapedInput
  /** `[T, E]`; data only for strategies that read logits (`usesLogits`). */
  readonly routerLogits: Tensor | ShapedInput
  readonly topK: number
  readonly indicesType?: IndexDtype | undefined
  /** Layer index, passed to the strategy in its context. */
  readonly layer?: number | undefined
  /** The kernel backend; default the simulator's (`createSimulator({ backend })`, else the reference). */
  readonly backend?: KernelBackend | undefined
  /**
   * The stream the strategy draws from: default the simulator's own (as `simulateRouting`); a scenario
   * passes one per layer; 'strategy' lends none, so the strategy draws from its own stream, seeded when it
   * was created (as a bare `routeTokens` call does).
   */
  readonly prng?: Prng | 'strategy' | undefined
}

/** What `route` gives back: the strategy's weights and ids, and where the work ran. */
export interface RoutedBatch {
  /** `[T, k]` float32 weights. */
  readonly weights: Tensor<Float32Array>
  /** `[T, k]` ids in the dtype of `indicesType` (int32 by default). */
  readonly ids: Tensor<IndexArray>
  /** The backend's `mode` when the strategy ran on it (`routeTokensOn`), else 'reference' (its own TypeScript path). */
  readonly ranOn: string
  /** The backend's account of its last kernel call, when it gives one (kernel or handed to the reference, and why). */
  readonly lastRun?: BackendRun | undefined
}

/**
 * An isolated routing simulator: its own registry (built-ins pre-registered) and its own seeded
 * stream, lent to every strategy it runs, so one seed governs a whole run and two simulators never
 * share registrations or draws.
 */
export interface Simulator {
  readonly seed: Seed
  readonly backend: KernelBackend
  readonly registry: StrategyRegistry
  /** Registers an instance or a definition; an existing name is an error unless `{ replace: true }`. */
  registerStrategy(name: string, strategy: RoutingStrategy | StrategyDefinition, options?: RegisterOptions): void
  /** Registered names, in insertion order (built-ins first). */
  getAvailableStrategies(): string[]
  hasStrategy(name: string): boolean
  /** The registered instance (`UnknownStrategyError` when absent). */
  getStrategy(name: string): RoutingStrategy
  /** The strategy's definition: name, description, parameters, source, formula. */
  describeStrategy(name: string): StrategyDefinition
  /** A new instance with parameters validated by the definition (seeded with `options.seed`, default the simulator's seed). */
  createStrategy(name: string, parameters?: Readonly<Record<string, unknown>>, options?: { readonly seed?: Seed }): RoutingStrategy
  /**
   * Routes one batch: the one routing path of routesim. Runs the strategy's backend path
   * (`routeTokensOn`) on `request.backend` (default: the simulator's backend) when it has one, else its
   * synchronous path, drawing from `request.prng` (default: this simulator's stream).
   */
  route(request: RouteRequest): Promise<RoutedBatch>
  /** The seed's `simulate_routing`: routes with a registered strategy, drawing from this simulator's stream. */
  simulateRouting(
    hiddenStates: ShapedInput,
    routerLogits: Tensor | ShapedInput,
    strategyName: string,
    topK: number,
    indicesType?: IndexDtype,
    options?: SimulateOptions,
  ): RoutingResult
  /** As `simulateRouting`, on `backend` when the strategy implements `routeTokensOn` (else the same sync path). */
  simulateRoutingAsync(
    hiddenStates: ShapedInput,
    routerLogits: Tensor | ShapedInput,
    strategyName: string,
    topK: number,
    indicesType?: IndexDtype,
    options?: SimulateOptions,
  ): Promise<RoutingResult>
  /** The stream's state; `setState` of it makes the next calls repeat exactly. */
  getState(): PrngState
  setState(state: PrngState): void
}

function checkLayer(layer: unknown): number {
  if (!Number.isInteger(layer) || (layer as number) < 0) {
    throw new InvalidArgumentError({ parameter: 'layer', value: layer, allowed: 'an integer ≥ 0' })
  }
  return layer as number
}

function contextFor(prng: Prng, options: SimulateOptions | undefined): RoutingContext {
  if (options?.layer === undefined) return { prng }
  return { prng, layer: checkLayer(options.layer) }
}

/** No stream lent: undefined without a layer, exactly as a bare `routeTokens(…)` call. */
function ownStreamContext(options: SimulateOptions | undefined): RoutingContext | undefined {
  return options?.layer === undefined ? undefined : { layer: checkLayer(options.layer) }
}

/**
 * Creates an isolated simulator. Built-ins, in order: `uniform_random`, `normal_routing`, then
 * `routerDefinitions` (@routesim/routers), then `strategyDefinitions` (@routesim/strategies).
 */
const SIMULATOR_OPTIONS = ['seed', 'backend', 'builtIns']

function checkOptions(options: unknown): SimulatorOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError({ parameter: 'createSimulator options', value: options, allowed: `an object with [${SIMULATOR_OPTIONS.join(', ')}]` })
  }
  for (const key of Reflect.ownKeys(options)) {
    if (typeof key !== 'string' || !SIMULATOR_OPTIONS.includes(key)) {
      throw new InvalidArgumentError({
        parameter: `createSimulator options.${String(key)}`,
        value: (options as Record<PropertyKey, unknown>)[key],
        allowed: `one of the options [${SIMULATOR_OPTIONS.join(', ')}]`,
        message: `Unknown option '${String(key)}' for createSimulator. Known options: [${SIMULATOR_OPTIONS.join(', ')}].`,
      })
    }
  }
  const { backend, builtIns } = options as SimulatorOptions
  if (backend !== undefined && (typeof backend !== 'object' || backend === null)) {
    throw new InvalidArgumentError({ parameter: 'createSimulator options.backend', value: backend, allowed: 'a KernelBackend (e.g. createReferenceBackend())' })
  }
  if (builtIns !== undefined && typeof builtIns !== 'boolean') {
    throw new InvalidArgumentError({ parameter: 'createSimulator options.builtIns', value: builtIns, allowed: 'true or false' })
  }
  return options as SimulatorOptions
}

export function createSimulator(rawOptions: SimulatorOptions = {}): Simulator {
  const options = checkOptions(rawOptions)
  const seed = options.seed ?? 0
  const prng = createPrng(seed, 'simulator')
  const backend = options.backend ?? createReferenceBackend()
  const registry = createStrategyRegistry({ seed })
  if (options.builtIns !== false) {
    for (const definition of [...builtInDefinitions, ...routerDefinitions, ...strategyDefinitions]) {
      registry.register(definition.name, definition)
    }
  }

  async function route(request: RouteRequest): Promise<RoutedBatch> {
    if (typeof request !== 'object' || request === null) {
      throw new InvalidArgumentError({ parameter: 'route request', value: request, allowed: 'an object with strategy, hiddenStates, routerLogits, topK' })
    }
    const strategy = typeof request.strategy === 'string' ? registry.get(request.strategy).strategy : request.strategy
    if (typeof strategy !== 'object' || strategy === null || typeof strategy.routeTokens !== 'function') {
      throw new InvalidArgumentError({ parameter: 'route request.strategy', value: request.strategy, allowed: 'a registered strategy name or a RoutingStrategy' })
    }
    const on = request.backend ?? backend
    const layerOptions = request.layer === undefined ? undefined : { layer: request.layer }
    const context = request.prng === 'strategy' ? ownStreamContext(layerOptions) : contextFor(request.prng ?? prng, layerOptions)
    const { hiddenStates, routerLogits, topK, indicesType } = request
    if (strategy.routeTokensOn) {
      const [weights, ids] = await strategy.routeTokensOn(on, hiddenStates, routerLogits, topK, indicesType, context)
      const lastRun = on.lastRun
      return { weights, ids, ranOn: on.mode, ...(lastRun === undefined ? {} : { lastRun }) }
    }
    const [weights, ids] = strategy.routeTokens(hiddenStates, routerLogits, topK, indicesType, context)
    return { weights, ids, ranOn: 'reference' }
  }

  return {
    seed,
    backend,
    registry,
    registerStrategy(name, strategy, registerOptions) {
      registry.register(name, strategy, registerOptions)
    },
    getAvailableStrategies: () => registry.names(),
    hasStrategy: (name) => registry.has(name),
    getStrategy: (name) => registry.get(name).strategy,
    describeStrategy: (name) => registry.describe(name),
    createStrategy: (name, parameters, createOptions) => registry.create(name, parameters, createOptions),
    route,
    simulateRouting(hiddenStates, routerLogits, strategyName, topK, indicesType, simulateOptions) {
      const strategy = registry.get(strategyName).strategy
      return strategy.routeTokens(hiddenStates, routerLogits, topK, indicesType, contextFor(prng, simulateOptions))
    },
    async simulateRoutingAsync(hiddenStates, routerLogits, strategyName, topK, indicesType, simulateOptions) {
      const { weights, ids } = await route({ strategy: strategyName, hiddenStates, routerLogits, topK, indicesType, layer: simulateOptions?.layer })
      return [weights, ids]
    },
    getState: () => prng.getState(),
    setState: (state) => prng.setState(state),
  }
}
