import { InvalidLogitsError, assertMatrix, outputArrays, sharedView, toIndexArray } from '@routesim/core'
import { referenceTopK, softmaxNormalizer, winnerScores } from '@routesim/backend-cpu'
import type {
  ChunkRunner,
  KernelBackend,
  RoutingOutput,
  RoutingResult,
  RoutingStrategy,
  ShapedInput,
  SoftmaxNormalizer,
  Tensor,
  TopKOptions,
  TopKOutput,
  WeightFinish,
} from '@routesim/core'
import { readRouterInputs } from './router-inputs.ts'
import { ROUTER_CHUNK_ROWS, createRouterRowsTask, selectRows } from './router-rows.ts'
import type { PortableRouter, RouterRowsArgs } from './router-rows.ts'
import type { RouterInputs } from './router-inputs.ts'

/** What a backend selected for one call, handed to the router to turn into weights (the only place weights are made). */
export interface Selection {
  readonly logits: Float32Array
  readonly rows: number
  readonly cols: number
  readonly k: number
  readonly ids: Int32Array
  /** The winners' logits `[rows, k]` (a backend written before the contract had them may leave them out: `winnerLogits` gathers them). */
  readonly winnerLogits?: Float32Array | undefined
  /** Softmax plans that asked for it (`topK.normalizer`): each row's normaliser. */
  readonly normalizer?: SoftmaxNormalizer | undefined
}

/**
 * The winners' softmax probabilities `[rows, k]` (float32, as the reference computes them), from the
 * normaliser the backend returned, else (a backend without one) computed from the logits.
 */
export function softmaxScores(s: Selection): Float32Array {
  return winnerScores(winnerLogits(s), s.k, 'softmax', s.normalizer ?? softmaxNormalizer(s.logits, s.rows, s.cols))
}

/** The winners' logits of a selection as a `[rows, k]` array (gathered from `logits` unless supplied). */
export function winnerLogits(s: Selection): Float32Array {
  if (s.winnerLogits !== undefined) return s.winnerLogits
  const out = new Float32Array(s.ids.length)
  for (let r = 0; r < s.rows; r++) {
    const row = r * s.cols
    for (let i = r * s.k; i < (r + 1) * s.k; i++) out[i] = s.logits[row + s.ids[i]!]!
  }
  return out
}

/** One router for one (E, k): the kernel request and the weight post-processing. */
export interface RouterPlan {
  readonly topK: TopKOptions
  finishWeights(selection: Selection): Float32Array
  /** `finishWeights` as data, when it fits core's `WeightFinish` (device backends weigh on the device with it). */
  readonly weightFinish?: WeightFinish | undefined
}

/** Builds the plan for E experts and k; throws InvalidArgumentError when the parameters cannot fit E. */
export type RouterPlanner = (numExperts: number, topK: number) => RouterPlan

function toResult(inputs: RouterInputs, plan: RouterPlan, selection: TopKOutput, output?: RoutingOutput): RoutingResult {
  const { logits, numTokens: rows, numExperts: cols, topK: k } = inputs
  const { winnerLogits: selected, normalizer } = selection
  let { ids } = selection
  let weights = plan.finishWeights({ logits, rows, cols, k, ids, winnerLogits: selected, normalizer })
  // Caller-owned outputs: the kernel's arrays are copied in (the worker path writes them in place).
  const out = outputArrays(output, rows * k, false)
  if (out === output) {
    out.ids.set(ids)
    out.weights.set(weights)
    ids = out.ids
    weights = out.weights
  }
  return [
    { data: weights, shape: [rows, k] },
    { data: toIndexArray(ids, inputs.indexDtype), shape: [rows, k] },
  ]
}

/**
 * A `RoutingStrategy` from a planner: `routeTokens` runs the reference backend synchronously,
 * `routeTokensOn(backend, …)` runs the same selection on any kernel backend (GPU etc.).
 * Routers are deterministic: they draw nothing from the seed or the context PRNG.
 */
export function createRouterStrategy(planner: RouterPlanner, portable?: PortableRouter): RoutingStrategy {
  return {
    routeTokens(hiddenStates, routerLogits, topK, indicesType, context) {
      // The reference kernel rejects non-finite logits in its own pass, so the input is read once, not twice.
      const runner = context?.runner
      const backend = runner?.backend
      const inputs = readRouterInputs(hiddenStates, routerLogits, topK, indicesType, {
        checkFinite: backend !== undefined && backend.checksFiniteLogits !== true,
      })
      const plan = planner(inputs.numExperts, inputs.topK)
      if (runner !== undefined && portable !== undefined && runner.parallel && inputs.numTokens >= 2 * ROUTER_CHUNK_ROWS) {
        return routeOnRunner(runner, portable, inputs, context?.output)
      }
      if (backend !== undefined) {
        let out: TopKOutput
        try {
          out = selectRows(backend, plan, inputs.logits, inputs.numTokens, inputs.numExperts)
        } catch (error) {
          throw renameLogitsError(error)
        }
        return toResult(inputs, plan, out, context?.output)
      }
      let selection: TopKOutput
      // The kernel hands back the winners' logits too, read while each row is in cache.
      const selected = new Float32Array(inputs.numTokens * inputs.topK)
      try {
        selection = referenceTopK(inputs.logits, inputs.numTokens, inputs.numExperts, plan.topK, selected)
      } catch (error) {
        throw renameLogitsError(error)
      }
      return toResult(inputs, plan, selection, context?.output)
    },
    async routeTokensOn(backend: KernelBackend, hiddenStates, routerLogits, topK, indicesType) {
      // A backend that rejects non-finite logits itself spares the extra pass over them.
      const checkFinite = backend.checksFiniteLogits !== true
      const inputs = readRouterInputs(hiddenStates, routerLogits, topK, indicesType, { checkFinite })
      const plan = planner(inputs.numExperts, inputs.topK)
      let selection: TopKOutput
      try {
        selection = await backend.topK(inputs.logits, inputs.numTokens, inputs.numExperts, plan.topK)
      } catch (error) {
        throw renameLogitsError(error)
      }
      return toResult(inputs, plan, selection)
    },
  }
}

/** Rows split in fixed chunks over the runner's threads, outputs in shared memory (any split gives the same output). */
function routeOnRunner(
  runner: ChunkRunner,
  portable: PortableRouter,
  inputs: ReturnType<typeof readRouterInputs>,
  output: RoutingOutput | undefined,
): RoutingResult {
  const { numTokens: rows, numExperts: cols, topK: k } = inputs
  const out = outputArrays(output, rows * k, true)
  const args: RouterRowsArgs = {
    router: portable.router,
    params: portable.params,
    logits: sharedView(inputs.logits),
    rows,
    cols,
    k,
    ids: out.ids,
    weights: out.weights,
  }
  runner.run({ task: 'router_rows', args, chunks: Math.ceil(rows / ROUTER_CHUNK_ROWS), runChunk: createRouterRowsTask(runner.backend) })
  // Caller-owned arrays outside shared memory: the threads wrote shared ones, copied in here.
  if (output !== undefined && out !== output && output.ids.length === rows * k && output.weights.length === rows * k) {
    output.ids.set(out.ids)
    output.weights.set(out.weights)
    return [
      { data: output.weights, shape: [rows, k] },
      { data: toIndexArray(output.ids, inputs.indexDtype), shape: [rows, k] },
    ]
  }
  return [
    { data: args.weights, shape: [rows, k] },
    { data: toIndexArray(args.ids, inputs.indexDtype), shape: [rows, k] },
  ]
}

/** A kernel names its input `logits`; the strategy's caller passed `routerLogits`. */
function renameLogitsError(error: unknown): unknown {
  if (!InvalidLogitsError.isInstance(error)) return error
  return new InvalidLogitsError({ parameter: 'routerLogits', row: error.row, column: error.column, value: error.value })
}

/** Runs a planner on logits alone (the plain-function form): hidden states are implied by the logits' rows. */
export function runRouter(planner: RouterPlanner, routerLogits: Tensor | ShapedInput, topK: number, indicesType?: unknown): RoutingResult {
  const [rows] = assertMatrix('routerLogits', routerLogits, { dataTypes: [Float32Array, Float64Array] })
  const hidden: ShapedInput = { shape: [rows, 0] }
  return createRouterStrategy(planner).routeTokens(hidden, routerLogits, topK, indicesType as never)
}
