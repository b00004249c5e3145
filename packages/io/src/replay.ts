import {
  InvalidArgumentError,
  RoutesimError,
  brand,
  createPrng,
  createTensor,
  defineStrategy,
  hasMarker,
  resolveIndexDtype,
  toIndexArray,
  type IndexDtype,
  type Prng,
  type RoutingContext,
  type RoutingResult,
  type RoutingStrategy,
  type Seed,
  type ShapedInput,
  type StrategyDefinition,
  type Tensor,
} from '@routesim/core'
import { traceCounts, type Trace } from './trace.ts'

const exhaustedMarker = 'routesim.error.trace_exhausted'

/** A `replay` with `onEnd: 'stop'` was asked for more tokens than the trace recorded for a layer. */
export class TraceExhaustedError extends RoutesimError {
  readonly layer: number

  constructor(layer: number, recorded: number) {
    super('trace_exhausted', `The replayed trace has no more tokens for layer ${layer} (it recorded ${recorded}); use onEnd 'wrap' to start over.`)
    this.name = 'TraceExhaustedError'
    this.layer = layer
    brand(this, exhaustedMarker)
  }

  static override isInstance(error: unknown): error is TraceExhaustedError {
    return hasMarker(error, exhaustedMarker)
  }
}

export type ReplayEnd = 'wrap' | 'stop'

export interface ReplayOptions {
  /** At the end of the recording: start over (default) or throw `TraceExhaustedError`. */
  readonly onEnd?: ReplayEnd
  /** Counts traces: the seed of the token shuffle. */
  readonly seed?: Seed
}

/** Largest-remainder scaling of counts to a total (so a counts trace can serve any token count). */
function apportion(counts: Float64Array, total: number): Int32Array {
  const sum = counts.reduce((a, b) => a + b, 0)
  const out = new Int32Array(counts.length)
  if (sum === 0) return out
  const remainders: [number, number][] = []
  let given = 0
  for (let e = 0; e < counts.length; e++) {
    const exact = (counts[e]! * total) / sum
    out[e] = Math.floor(exact)
    given += out[e]!
    remainders.push([exact - out[e]!, e])
  }
  remainders.sort((a, b) => b[0] - a[0] || a[1] - b[1])
  for (let i = 0; i < total - given; i++) out[remainders[i]![1]]!++
  return out
}

/**
 * Ids with exactly these per-expert counts: experts laid out slot-major (so an expert with at most
 * `tokens` slots never repeats within a token), then the token rows shuffled.
 */
function dealCounts(counts: Int32Array, tokens: number, topK: number, prng: Prng): Int32Array {
  const order = Array.from(counts.keys()).sort((a, b) => counts[b]! - counts[a]! || a - b)
  const ids = new Int32Array(tokens * topK)
  let j = 0
  for (const e of order) {
    for (let c = 0; c < counts[e]!; c++, j++) ids[(j % tokens) * topK + Math.floor(j / tokens)] = e
  }
  const row = new Int32Array(topK)
  for (let t = tokens - 1; t > 0; t--) {
    const u = prng.nextInt(t + 1)
    row.set(ids.subarray(t * topK, (t + 1) * topK))
    ids.copyWithin(t * topK, u * topK, (u + 1) * topK)
    ids.set(row, u * topK)
  }
  return ids
}

/**
 * Replays a recorded trace as a strategy. Ids traces: each call for `context.layer` (default 0) takes
 * the next `T` recorded rows of that layer, step after step, with their weights (ones when none were
 * recorded). Counts traces: each call takes the next step's counts of the layer, scaled to `T·k` by
 * largest remainder, and deals ids with exactly those per-expert counts over shuffled tokens.
 *
 * @example
 * const replay = createReplayStrategy(readTrace(bytes, 'trace.npz'))
 * const [weights, ids] = replay.routeTokens({ shape: [4096, 1] }, { shape: [4096, 256] }, 8, 'int32', { layer: 0 })
 */
export function createReplayStrategy(trace: Trace, options: ReplayOptions = {}): RoutingStrategy {
  const onEnd = options.onEnd ?? 'wrap'
  if (onEnd !== 'wrap' && onEnd !== 'stop') throw new InvalidArgumentError({ parameter: 'replay.onEnd', value: onEnd, allowed: "'wrap' or 'stop'" })
  const ownPrng = createPrng(options.seed ?? 0, 'replay')
  const cursor = new Map<number, number>()
  const counts = trace.kind === 'counts' ? traceCounts(trace) : undefined
  const recordedRows = trace.kind === 'ids' ? trace.steps * trace.tokens : trace.steps

  return {
    routeTokens(
      hiddenStates: ShapedInput,
      routerLogits: Tensor | ShapedInput,
      topK: number,
      indicesType?: IndexDtype,
      context?: RoutingContext,
    ): RoutingResult {
      const dtype = resolveIndexDtype(indicesType)
      const T = hiddenStates.shape[0]!
      const E = routerLogits.shape[1]!
      const layer = context?.layer ?? 0
      if (!Number.isInteger(layer) || layer < 0 || layer >= trace.layers) {
        throw new InvalidArgumentError({ parameter: 'context.layer', value: layer, allowed: `a layer of the trace, in [0, ${trace.layers})` })
      }
      if (E < trace.numExperts)
        throw new InvalidArgumentError({ parameter: 'routerLogits.shape[1]', value: E, allowed: `at least the trace's ${trace.numExperts} experts` })
      const at = cursor.get(layer) ?? 0
      const ids = new Int32Array(T * topK)
      const weights = new Float32Array(T * topK)
      if (trace.kind === 'ids') {
        if (topK !== trace.topK) throw new InvalidArgumentError({ parameter: 'topK', value: topK, allowed: `the trace's top-k, ${trace.topK}` })
        if (onEnd === 'stop' && at + T > recordedRows) throw new TraceExhaustedError(layer, recordedRows)
        if (recordedRows === 0 && T > 0) throw new TraceExhaustedError(layer, 0)
        for (let t = 0; t < T; t++) {
          const row = (at + t) % recordedRows
          const step = Math.floor(row / trace.tokens)
          const src = ((step * trace.layers + layer) * trace.tokens + (row % trace.tokens)) * topK
          ids.set(trace.ids.subarray(src, src + topK), t * topK)
          if (trace.weights) weights.set(trace.weights.subarray(src, src + topK), t * topK)
          else weights.fill(1, t * topK, (t + 1) * topK)
        }
        cursor.set(layer, (at + T) % Math.max(1, recordedRows))
      } else {
        if (onEnd === 'stop' && at >= recordedRows) throw new TraceExhaustedError(layer, recordedRows)
        const step = at % recordedRows
        const base = (step * trace.layers + layer) * trace.numExperts
        const target = apportion(counts!.subarray(base, base + trace.numExperts), T * topK)
        const hottest = target.reduce((a, b) => Math.max(a, b), 0)
        if (hottest > T) {
          throw new InvalidArgumentError({
            parameter: 'hiddenStates.shape[0]',
            value: T,
            allowed: `at least ${hottest} tokens, so the recorded hottest expert fits once per token`,
          })
        }
        ids.set(dealCounts(target, T, topK, context?.prng ?? ownPrng))
        weights.fill(1)
        cursor.set(layer, at + 1)
      }
      return [createTensor(weights, [T, topK]), createTensor(toIndexArray(ids, dtype), [T, topK])]
    },
  }
}

/**
 * The `replay` strategy over one trace, for a simulator's registry:
 * `simulator.registerStrategy('replay', replayDefinition(trace))`.
 *
 * @example
 * simulator.registerStrategy('replay', replayDefinition(readTrace(bytes, 'trace.npz')))
 * simulator.createStrategy('replay', { onEnd: 'stop' })
 */
export function replayDefinition(trace: Trace): StrategyDefinition {
  return defineStrategy({
    name: 'replay',
    description: `Replays a recorded ${trace.kind} trace (${trace.steps} steps × ${trace.layers} layers, ${trace.numExperts} experts) layer by layer and step by step`,
    parameters: {
      onEnd: { type: 'enum', values: ['wrap', 'stop'], default: 'wrap', description: "at the end of the recording: 'wrap' (start over) or 'stop' (error)" },
    },
    source: 'a recorded routing trace (vLLM / SGLang / routesim --out)',
    create: (params, { seed }) => createReplayStrategy(trace, { onEnd: params['onEnd'] as ReplayEnd, ...(seed !== undefined ? { seed } : {}) }),
  })
}
