import { InvalidArgumentError, InvalidLogitsError } from '@routesim/core'
import { referenceTopK } from '@routesim/backend-cpu'
import type { KernelBackend, TopKOutput } from '@routesim/core'
import { groupedTopKPlanner } from './grouped-top-k.ts'
import { llama4TopKPlanner } from './llama4-top-k.ts'
import type { RouterPlan, RouterPlanner } from './router-strategy.ts'
import { sigmoidTopKPlanner } from './sigmoid-top-k.ts'
import { softmaxTopKPlanner } from './softmax-top-k.ts'

/** Rows per chunk when a router's rows are split over threads (routers draw nothing, so any split gives the same output). */
export const ROUTER_CHUNK_ROWS = 1024

/** Planners by router name, from their validated parameters: what a worker needs to rebuild a router. */
export const routerPlanners: Readonly<Record<string, (params: never) => RouterPlanner>> = Object.freeze({
  softmax_topk: softmaxTopKPlanner,
  sigmoid_topk: sigmoidTopKPlanner,
  grouped_topk: groupedTopKPlanner,
  llama4_topk: llama4TopKPlanner,
})

/** A router named so that another thread can rebuild it: its registered name and validated parameters. */
export interface PortableRouter {
  readonly router: string
  readonly params: Readonly<Record<string, unknown>>
}

/** One router job: `[rows, cols]` logits in, `[rows, k]` ids and weights out (shared memory when threads share it). */
export interface RouterRowsArgs extends PortableRouter {
  readonly logits: Float32Array
  readonly rows: number
  readonly cols: number
  readonly k: number
  readonly ids: Int32Array
  readonly weights: Float32Array
}

/** The kernel one chunk runs on: a synchronous backend, or the reference top-k (`@routesim/backend-cpu`). */
export function selectRows(backend: KernelBackend | undefined, plan: RouterPlan, logits: Float32Array, rows: number, cols: number): TopKOutput {
  if (backend === undefined) return referenceTopK(logits, rows, cols, plan.topK)
  const out = backend.topK(logits, rows, cols, plan.topK)
  if (typeof (out as { then?: unknown }).then === 'function') {
    throw new InvalidArgumentError({ parameter: 'runner.backend', value: backend.name, allowed: 'a backend whose topK is synchronous (wasm, reference)' })
  }
  return out as TopKOutput
}

/**
 * The chunk task of a router job: rows [c·ROUTER_CHUNK_ROWS, …) selected on `backend` and finished by the
 * router's planner, written into the job's outputs. Each instance caches the last plan it built.
 */
export function createRouterRowsTask(backend?: KernelBackend): (args: RouterRowsArgs, chunk: number) => void {
  let cachedKey = ''
  let cachedPlan: RouterPlan | undefined
  return (args, chunk) => {
    const key = `${args.router}\u0000${JSON.stringify(args.params)}\u0000${args.cols}\u0000${args.k}`
    if (cachedPlan === undefined || key !== cachedKey) {
      const planner = routerPlanners[args.router]
      if (planner === undefined) {
        throw new InvalidArgumentError({ parameter: 'router', value: args.router, allowed: `one of [${Object.keys(routerPlanners).join(', ')}]` })
      }
      cachedPlan = planner(args.params as never)(args.cols, args.k)
      cachedKey = key
    }
    const plan = cachedPlan
    const { cols, k } = args
    const r0 = chunk * ROUTER_CHUNK_ROWS
    const rows = Math.min(args.rows, r0 + ROUTER_CHUNK_ROWS) - r0
    if (rows <= 0) return
    const logits = args.logits.subarray(r0 * cols, (r0 + rows) * cols)
    let selection: TopKOutput
    try {
      selection = selectRows(backend, plan, logits, rows, cols)
    } catch (error) {
      // Rows are counted from the chunk's start here; the caller counts from the input's.
      if (InvalidLogitsError.isInstance(error))
        throw new InvalidLogitsError({ parameter: 'routerLogits', row: error.row + r0, column: error.column, value: error.value })
      throw error
    }
    const weights = plan.finishWeights({ logits, rows, cols, k, ids: selection.ids, winnerLogits: selection.winnerLogits, normalizer: selection.normalizer })
    args.ids.set(selection.ids, r0 * k)
    args.weights.set(weights, r0 * k)
  }
}
