import { InvalidArgumentError, createPrng, createReferenceBackend } from '@routesim/core'
import type {
  ChunkRunner,
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
import { createChunkRunner, exactSyncBackend } from './default-runner.ts'
import { createStrategyRegistry } from './strategy-registry.ts'
import type { RegisterOptions, StrategyRegistry } from './strategy-registry.ts'

export interface SimulatorOptions {
  /** Seeds the simulator's stream (lent to strategies) and the default instances of definitions. Default 0. */
  readonly seed?: Seed
  /** Kernel backend for `simulateRoutingAsync`. Default: core's reference backend. */
  readonly backend?: KernelBackend
  /** Register the built-ins (seed strategies, routers, synthetic strategies). Default true. */
  readonly builtIns?: boolean
  /**
   * Threads for large requests, the calling one included (default: `ROUTESIM_THREADS`, else every core). Output
   * is byte-identical for any count: requests split into fixed row chunks, each with its own stream.
   */
  readonly threads?: number
}

/** Per-call extras for `simulateRouting`. */
export interface SimulateOptions {
  /** Layer index within a multi-layer scenario, passed to the strategy in its context. */
  readonly layer?: number
}

/**
 * An isolated routing simulator: its own registry (built-ins pre-registered) and its own seeded
 * stream, lent to every strategy it runs, so one seed governs a whole run and two simulators never
 * share registrations or draws.
 */
export interface Simulator {
  readonly seed: Seed
  readonly backend: KernelBackend
  /** The chunk runner lent to strategies (`context.runner`): its threads and the sync kernels its chunks use. */
  readonly runner: ChunkRunner
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
  /** A new instance with parameters validated by the definition (seeded with the simulator's seed). */
  createStrategy(name: string, parameters?: Readonly<Record<string, unknown>>): RoutingStrategy
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

function contextFor(prng: Prng, runner: ChunkRunner, options: SimulateOptions | undefined): RoutingContext {
  if (options?.layer === undefined) return { prng, runner }
  if (!Number.isInteger(options.layer) || options.layer < 0) {
    throw new InvalidArgumentError({ parameter: 'layer', value: options.layer, allowed: 'an integer ≥ 0' })
  }
  return { prng, runner, layer: options.layer }
}

/**
 * Creates an isolated simulator. Built-ins, in order: `uniform_random`, `normal_routing`, then
 * `routerDefinitions` (@routesim/routers), then `strategyDefinitions` (@routesim/strategies).
 */
const SIMULATOR_OPTIONS = ['seed', 'backend', 'builtIns', 'threads']

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
  // The reference backend's sync kernels are replaced in chunks by the fastest exact ones (same bits).
  const runner = createChunkRunner(options.threads, options.backend === undefined || options.backend.name === 'reference' ? exactSyncBackend() : syncOrUndefined(options.backend))
  const registry = createStrategyRegistry({ seed })
  if (options.builtIns !== false) {
    for (const definition of [...builtInDefinitions, ...routerDefinitions, ...strategyDefinitions]) {
      registry.register(definition.name, definition)
    }
  }

  return {
    seed,
    backend,
    runner,
    registry,
    registerStrategy(name, strategy, registerOptions) {
      registry.register(name, strategy, registerOptions)
    },
    getAvailableStrategies: () => registry.names(),
    hasStrategy: (name) => registry.has(name),
    getStrategy: (name) => registry.get(name).strategy,
    describeStrategy: (name) => registry.describe(name),
    createStrategy: (name, parameters) => registry.create(name, parameters),
    simulateRouting(hiddenStates, routerLogits, strategyName, topK, indicesType, simulateOptions) {
      const strategy = registry.get(strategyName).strategy
      return strategy.routeTokens(hiddenStates, routerLogits, topK, indicesType, contextFor(prng, runner, simulateOptions))
    },
    async simulateRoutingAsync(hiddenStates, routerLogits, strategyName, topK, indicesType, simulateOptions) {
      const strategy = registry.get(strategyName).strategy
      const context = contextFor(prng, runner, simulateOptions)
      if (strategy.routeTokensOn) return strategy.routeTokensOn(backend, hiddenStates, routerLogits, topK, indicesType, context)
      return strategy.routeTokens(hiddenStates, routerLogits, topK, indicesType, context)
    },
    getState: () => prng.getState(),
    setState: (state) => prng.setState(state),
  }
}

/** A caller's backend for chunk kernels only when its kernels are synchronous (wasm is; gpu.js backends are not). */
function syncOrUndefined(backend: KernelBackend): KernelBackend | undefined {
  return backend.name === 'wasm' ? backend : undefined
}
