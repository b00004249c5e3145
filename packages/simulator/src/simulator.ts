import { InvalidArgumentError, assertPositiveInteger, createPrng } from '@routesim/core'
import { createReferenceBackend } from '@routesim/backend-cpu'
import type {
  BackendRun,
  ChunkRunner,
  IndexArray,
  IndexDtype,
  KernelBackend,
  Prng,
  PrngState,
  RoutingContext,
  RoutingOutput,
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
import { resolveChunkBackend } from './chunk-backend.ts'
import { createChunkRunner } from './default-runner.ts'
import { allocateLayers, routeLayerChunk } from './route-layers.ts'
import type { LayersKept, RouteLayersArgs } from './route-layers.ts'
import { createStrategyRegistry } from './strategy-registry.ts'
import type { RegisterOptions, StrategyRegistry } from './strategy-registry.ts'

export interface SimulatorOptions {
  /** Seeds the simulator's stream (lent to strategies) and the default instances of definitions. Default 0. */
  readonly seed?: Seed
  /** Kernel backend for `route` and `simulateRoutingAsync`. Default: the reference backend (`@routesim/backend-cpu`). */
  readonly backend?: KernelBackend
  /** Register the built-ins (seed strategies, routers, synthetic strategies). Default true. */
  readonly builtIns?: boolean
  /**
   * Threads for large requests, the calling one included (default: `ROUTESIM_THREADS`, else every core). Output
   * is byte-identical for any count: requests split into fixed row chunks, each with its own stream.
   */
  readonly threads?: number
}

/** What `routeLayers` routes: `layers` layers of `tokens` tokens to `topK` of `experts` experts each. */
export interface RouteLayersOptions {
  readonly tokens: number
  readonly experts: number
  readonly topK: number
  readonly layers: number
  /** Parameters of the strategy's definition (validated by it). */
  readonly parameters?: Readonly<Record<string, unknown>>
  /** `context.layer` of the first layer. Default 0. */
  readonly firstLayer?: number
  /**
   * `'routing'` (default): every layer's ids and weights are returned. `'counts'`: only the per-layer counts and the
   * last layer's routing (what a load study needs); the other layers are routed into per-thread scratch arrays, so
   * no `[layers, tokens, topK]` output is allocated and faulted in — the counts are the same either way.
   */
  readonly keep?: LayersKept
}

/**
 * Every layer's routing: ids and weights `[layers, tokens, topK]`, per-layer expert counts `[layers, experts]` (`counts` is a view
 * of a slightly larger buffer: use its `byteLength`, not `buffer.byteLength`).
 */
export interface LayersRouting {
  readonly ids: Int32Array
  readonly weights: Float32Array
  readonly counts: Int32Array
  readonly shape: readonly [number, number, number]
}

/**
 * `routeLayers` with `keep: 'counts'`: per-layer expert counts `[layers, experts]` and the last layer's routing.
 * The three arrays are views of one buffer (mind `byteOffset` when reading `.buffer`; transferring it moves all three).
 */
export interface LayersCounts {
  readonly counts: Int32Array
  /** The last layer's ids and weights, `[tokens, topK]`. */
  readonly lastLayer: { readonly ids: Int32Array; readonly weights: Float32Array }
  /** `[layers, tokens, topK]` of the step (only the last layer's routing is held). */
  readonly shape: readonly [number, number, number]
}

/** Per-call extras for `simulateRouting`. */
export interface SimulateOptions {
  /** Layer index within a multi-layer scenario, passed to the strategy in its context. */
  readonly layer?: number
  /**
   * Caller-owned outputs for `simulateRouting`: int32 ids and float32 weights of T·k each, written in place and
   * returned as the result's data (reuse them across calls; on SharedArrayBuffers threads write them directly).
   */
  readonly out?: RoutingOutput
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
  /**
   * Routes every layer of a model step with a fresh instance of a definition per layer (layers are independent,
   * as in a model): layer i draws from stream i of this call (`chunkPrng`), so the layers run on the runner's
   * threads with the same output for any thread count. Built-in strategies run on workers; others on this thread.
   * Strategies that read logit values are refused (no logits are drawn here).
   */
  routeLayers(strategyName: string, options: RouteLayersOptions & { readonly keep: 'counts' }): LayersCounts
  routeLayers(strategyName: string, options: RouteLayersOptions): LayersRouting
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

function contextFor(prng: Prng, runner: ChunkRunner, options: SimulateOptions | undefined): RoutingContext {
  const output = options?.out === undefined ? {} : { output: checkOutput(options.out) }
  if (options?.layer === undefined) return { prng, runner, ...output }
  return { prng, runner, layer: checkLayer(options.layer), ...output }
}

/** No stream lent: undefined without a layer, exactly as a bare `routeTokens(…)` call. */
function ownStreamContext(runner: ChunkRunner, options: SimulateOptions | undefined): RoutingContext {
  return options?.layer === undefined ? { runner } : { runner, layer: checkLayer(options.layer) }
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
  // Chunks of kernel work run on the registry's exact synchronous kernels (the same bits as the reference's).
  const runner = createChunkRunner(options.threads, resolveChunkBackend(options.backend).backend)
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
      throw new InvalidArgumentError({
        parameter: 'route request.strategy',
        value: request.strategy,
        allowed: 'a registered strategy name or a RoutingStrategy',
      })
    }
    const on = request.backend ?? backend
    const layerOptions = request.layer === undefined ? undefined : { layer: request.layer }
    const context = request.prng === 'strategy' ? ownStreamContext(runner, layerOptions) : contextFor(request.prng ?? prng, runner, layerOptions)
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
    runner,
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
      const out = simulateOptions?.out
      if (out !== undefined && indicesType !== undefined && indicesType !== 'int32') {
        throw new InvalidArgumentError({ parameter: 'indicesType', value: indicesType, allowed: "'int32' (or none) with caller-owned outputs (options.out)" })
      }
      const result = strategy.routeTokens(hiddenStates, routerLogits, topK, indicesType, contextFor(prng, runner, simulateOptions))
      return out === undefined ? result : intoOutput(result, out)
    },
    async simulateRoutingAsync(hiddenStates, routerLogits, strategyName, topK, indicesType, simulateOptions) {
      const { weights, ids } = await route({ strategy: strategyName, hiddenStates, routerLogits, topK, indicesType, layer: simulateOptions?.layer })
      return [weights, ids]
    },
    routeLayers(strategyName, layerOptions) {
      const entry = registry.get(strategyName)
      const definition = registry.describe(strategyName)
      if (definition.usesLogits === true) {
        throw new InvalidArgumentError({
          parameter: 'strategyName',
          value: strategyName,
          allowed: 'a strategy that reads no logit values (routeLayers draws none)',
        })
      }
      const o = checkLayersOptions(layerOptions)
      const workers = entry.builtIn && entry.definition !== undefined && BUILT_IN_NAMES.has(entry.name)
      const shared = workers && runner.parallel
      const args: RouteLayersArgs = {
        strategy: entry.name,
        params: o.parameters,
        seed,
        tokens: o.tokens,
        experts: o.experts,
        k: o.topK,
        firstLayer: o.firstLayer,
        start: prng.getState(),
        ...allocateLayers(o.layers, o.tokens, o.experts, o.topK, o.keep, shared),
      }
      const create = (a: RouteLayersArgs): RoutingStrategy => registry.create(a.strategy, a.params)
      const runChunk = (a: RouteLayersArgs, c: number): void => routeLayerChunk(create, a, c)
      if (workers) runner.run({ task: 'route_layers', args, chunks: o.layers, runChunk })
      else for (let c = 0; c < o.layers; c++) runChunk(args, c)
      prng.setState({ algorithm: 'xoshiro128**', state: [args.end[0]! >>> 0, args.end[1]! >>> 0, args.end[2]! >>> 0, args.end[3]! >>> 0] })
      const shape = [o.layers, o.tokens, o.topK] as const
      // The overloads tie the result's form to `keep`.
      if (o.keep === 'counts') {
        const counts: LayersCounts = { counts: args.counts, lastLayer: { ids: args.ids, weights: args.weights }, shape }
        return counts as LayersRouting & LayersCounts
      }
      const routing: LayersRouting = { ids: args.ids, weights: args.weights, counts: args.counts, shape }
      return routing as LayersRouting & LayersCounts
    },
    getState: () => prng.getState(),
    setState: (state) => prng.setState(state),
  }
}

function checkOutput(out: unknown): RoutingOutput {
  const o = out as RoutingOutput
  if (typeof out !== 'object' || out === null || !(o.ids instanceof Int32Array) || !(o.weights instanceof Float32Array)) {
    throw new InvalidArgumentError({ parameter: 'options.out', value: out, allowed: '{ ids: Int32Array, weights: Float32Array } of T·k each' })
  }
  return o
}

/** The result in the caller's arrays: strategies that wrote them in place return them; others' results are copied in. */
function intoOutput(result: RoutingResult, out: RoutingOutput): RoutingResult {
  const [weights, ids] = result
  for (const [name, given, made] of [
    ['options.out.ids', out.ids, ids.data],
    ['options.out.weights', out.weights, weights.data],
  ] as const) {
    if (given.length !== made.length) {
      throw new InvalidArgumentError({ parameter: name, value: given, allowed: `an array of T·k = ${made.length} elements` })
    }
  }
  if (ids.data !== out.ids) out.ids.set(ids.data as Int32Array)
  if (weights.data !== out.weights) out.weights.set(weights.data as Float32Array)
  return [
    { data: out.weights, shape: weights.shape },
    { data: out.ids, shape: ids.shape },
  ]
}

/** Names the worker script can rebuild (its table holds exactly these definitions). */
const BUILT_IN_NAMES = new Set([...builtInDefinitions, ...routerDefinitions, ...strategyDefinitions].map((d) => d.name))

const LAYERS_OPTIONS = ['tokens', 'experts', 'topK', 'layers', 'parameters', 'firstLayer', 'keep']
const LAYERS_KEPT: readonly LayersKept[] = ['routing', 'counts']

function checkLayersOptions(options: RouteLayersOptions): Required<RouteLayersOptions> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError({ parameter: 'routeLayers options', value: options, allowed: `an object with [${LAYERS_OPTIONS.join(', ')}]` })
  }
  for (const key of Object.keys(options)) {
    if (!LAYERS_OPTIONS.includes(key))
      throw new InvalidArgumentError({
        parameter: `routeLayers options.${key}`,
        value: (options as unknown as Record<string, unknown>)[key],
        allowed: `one of [${LAYERS_OPTIONS.join(', ')}]`,
      })
  }
  const tokens = assertPositiveInteger('routeLayers options.tokens', options.tokens)
  const experts = assertPositiveInteger('routeLayers options.experts', options.experts)
  const topK = assertPositiveInteger('routeLayers options.topK', options.topK)
  const layers = assertPositiveInteger('routeLayers options.layers', options.layers)
  const firstLayer = options.firstLayer ?? 0
  if (!Number.isInteger(firstLayer) || firstLayer < 0)
    throw new InvalidArgumentError({ parameter: 'routeLayers options.firstLayer', value: firstLayer, allowed: 'an integer ≥ 0' })
  if (topK > experts) throw new InvalidArgumentError({ parameter: 'routeLayers options.topK', value: topK, allowed: `an integer in [1, experts = ${experts}]` })
  if (layers * tokens * topK > 2 ** 31 - 1) {
    throw new InvalidArgumentError({
      parameter: 'layers × tokens × topK',
      value: layers * tokens * topK,
      allowed: 'at most 2^31 − 1 slots (one typed array holds them)',
    })
  }
  const keep = options.keep ?? 'routing'
  if (!LAYERS_KEPT.includes(keep))
    throw new InvalidArgumentError({ parameter: 'routeLayers options.keep', value: keep, allowed: `one of [${LAYERS_KEPT.join(', ')}]` })
  return { tokens, experts, topK, layers, firstLayer, keep, parameters: options.parameters ?? {} }
}
