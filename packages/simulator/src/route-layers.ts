import { accumulateExpertCounts } from '@routesim/analysis'
import { InvalidArgumentError, allocateFloat32, allocateInt32, indexArrayToInt32, resolveParameters } from '@routesim/core'
import type { PrngState, RoutingStrategy, Seed, StrategyDefinition } from '@routesim/core'
import { chunkPrng } from '@routesim/parallel'

/** One layers job: each chunk is one layer routed by a fresh instance of a built-in definition. */
export interface RouteLayersArgs {
  readonly strategy: string
  readonly params: Readonly<Record<string, unknown>>
  readonly seed: Seed
  readonly tokens: number
  readonly experts: number
  readonly k: number
  /** `context.layer` of chunk 0. */
  readonly firstLayer: number
  /** The simulator's stream at the start of the call; layer chunk c draws from `chunkPrng(start, c)`. */
  readonly start: PrngState
  readonly end: Int32Array
  readonly layers: number
  /** `'routing'`: every layer's ids and weights are kept; `'counts'`: only the last layer's. */
  readonly keep: LayersKept
  /** `[layers, tokens, k]`, or `[tokens, k]` (the last layer) when only counts are kept */
  readonly ids: Int32Array
  readonly weights: Float32Array
  /** `[layers, experts]` */
  readonly counts: Int32Array
}

/** What a layers job keeps besides the counts: every layer's routing, or only the last layer's. */
export type LayersKept = 'routing' | 'counts'

// Layers whose routing is not kept are routed into this thread's scratch arrays, reused from call to call:
// no fresh pages to fault in (with many threads, faulting fresh output pages in is what stops the scaling).
let scratchIds = new Int32Array(0)
let scratchWeights = new Float32Array(0)

function scratch(slots: number): { ids: Int32Array; weights: Float32Array } {
  if (scratchIds.length < slots) {
    scratchIds = new Int32Array(slots)
    scratchWeights = new Float32Array(slots)
  }
  return { ids: scratchIds.subarray(0, slots), weights: scratchWeights.subarray(0, slots) }
}

/** Routes one layer: the same steps on every thread, so a layer's output depends only on its index. */
export function routeLayerChunk(create: (args: RouteLayersArgs) => RoutingStrategy, args: RouteLayersArgs, chunk: number): void {
  const { tokens: T, experts: E, k } = args
  const prng = chunkPrng(args.start, chunk)
  const strategy = create(args)
  const slots = T * k
  // The layer's slice of the step's arrays as caller-owned outputs: strategies that support them write in place.
  const output = layerOutput(args, chunk, slots)
  const { ids: layerIds, weights: layerWeights } = output
  const [weights, ids] = strategy.routeTokens({ shape: [T, 1] }, { shape: [T, E] }, k, 'int32', { prng, layer: args.firstLayer + chunk, output })
  if (ids.data !== layerIds) layerIds.set(indexArrayToInt32(ids.data))
  if (weights.data !== layerWeights) layerWeights.set(weights.data as Float32Array)
  accumulateExpertCounts(layerIds, args.counts.subarray(chunk * E, (chunk + 1) * E))
  if (chunk === 0) args.end.set(prng.getState().state)
}

function layerOutput(args: RouteLayersArgs, chunk: number, slots: number): { ids: Int32Array; weights: Float32Array } {
  if (args.keep === 'routing') {
    return { ids: args.ids.subarray(chunk * slots, (chunk + 1) * slots), weights: args.weights.subarray(chunk * slots, (chunk + 1) * slots) }
  }
  return chunk === args.layers - 1 ? { ids: args.ids, weights: args.weights } : scratch(slots)
}

/** The worker's task: fresh instances of the built-in definitions, found by name. */
export function createRouteLayersTask(definitions: readonly StrategyDefinition[]): (args: RouteLayersArgs, chunk: number) => void {
  const byName = new Map(definitions.map((d) => [d.name, d]))
  const create = (args: RouteLayersArgs): RoutingStrategy => {
    const definition = byName.get(args.strategy)
    if (definition === undefined) throw new InvalidArgumentError({ parameter: 'strategy', value: args.strategy, allowed: 'a built-in strategy' })
    return definition.create(resolveParameters(args.strategy, definition.parameters, args.params), { seed: args.seed })
  }
  return (args, chunk) => routeLayerChunk(create, args, chunk)
}

/**
 * Output arrays for a layers job (shared memory when threads will write them). Every call allocates them, so the
 * small arrays are views of one buffer (one allocation, one zero-fill, one object for the GC to track): counts and
 * the end state always, and the last layer's ids and weights when only counts are kept.
 */
export function allocateLayers(
  layers: number,
  tokens: number,
  experts: number,
  k: number,
  keep: LayersKept,
  shared: boolean,
): Pick<RouteLayersArgs, 'ids' | 'weights' | 'counts' | 'end' | 'layers' | 'keep'> {
  const countSlots = layers * experts
  if (keep === 'routing') {
    const kept = layers * tokens * k
    const words = allocateInt32(countSlots + 4, shared)
    return {
      layers,
      keep,
      ids: allocateInt32(kept, shared),
      weights: allocateFloat32(kept, shared),
      counts: words.subarray(0, countSlots),
      end: words.subarray(countSlots),
    }
  }
  const slots = tokens * k
  const words = allocateInt32(2 * slots + countSlots + 4, shared)
  return {
    layers,
    keep,
    ids: words.subarray(0, slots),
    weights: new Float32Array(words.buffer, slots * 4, slots),
    counts: words.subarray(2 * slots, 2 * slots + countSlots),
    end: words.subarray(2 * slots + countSlots),
  }
}
