import { balancedness, rankLoads } from '@routesim/analysis'
import type { KernelBackend, ShapedInput } from '@routesim/core'
import { createSimulator } from '@routesim/simulator'
import type { PreparedRun, WorkloadContext } from './target.ts'
import { checkBalancedness, checkCounts, checkIds, checkLength } from './verify.ts'

/** The registered popularity strategy simulate_zipf draws with (k distinct, Plackett–Luce over 1/rank^s). */
export const ZIPF_STRATEGY = 'zipf'

export interface SimulatedStep {
  /** Per-layer expert counts, `[layers, E]`. */
  readonly counts: Int32Array
  /** Per-layer balancedness over the EP ranks (contiguous placement). */
  readonly balancedness: Float64Array
  /** The last layer's ids (kept for the output check). */
  readonly lastIds: Int32Array
}

/**
 * One simulated step of a DeepSeek-V3-sized model (WORKLOADS.md): the `zipf` strategy with its
 * `per_layer` layout (a seeded permutation of expert popularity per `context.layer`), called once per
 * layer for k distinct experts per token, then per-expert counts, per-rank loads over `epSize`
 * contiguous ranks and balancedness = mean/max. The strategy is created inside the timed call, so
 * the permutations and alias tables are built there too (as torch_baseline.py draws its randperm).
 * Each layer is routed by the simulator's one routing path (`simulator.route` on the backend) and
 * counted by the backend's histogram; the rank loads and balancedness are `@routesim/analysis` on the host.
 */
export function prepareSimulateZipf(context: WorkloadContext, impl: string, backend: KernelBackend): { runs: PreparedRun[]; skipped?: string } {
  const { shape, tokens } = context
  const { experts, topK, layers, epSize } = shape
  const simulator = createSimulator({ seed: context.seed })
  const params = { exponent: shape.zipfExponent, layout: 'per_layer' }
  const probe = simulator.createStrategy(ZIPF_STRATEGY, params)
  // Timing the strategy's own CPU code under a kernel backend's name would mislabel the row.
  if (backend.name !== 'reference' && probe.routeTokensOn === undefined) {
    return { runs: [], skipped: `strategy '${ZIPF_STRATEGY}' has no kernel-backend path (routeTokensOn)` }
  }
  const hiddenStates: ShapedInput = { shape: [tokens, 1] }
  const logits: ShapedInput = { shape: [tokens, experts] }

  const finishLayer = (step: { counts: Int32Array; balancedness: Float64Array }, layer: number, counts: Int32Array): void => {
    step.counts.set(counts, layer * experts)
    step.balancedness[layer] = balancedness(rankLoads(counts, epSize, 'linear'))
  }

  const runStep = async (on: KernelBackend): Promise<SimulatedStep> => {
    const step = { counts: new Int32Array(layers * experts), balancedness: new Float64Array(layers) }
    let ids: Int32Array = new Int32Array(0)
    const strategy = simulator.createStrategy(ZIPF_STRATEGY, params)
    for (let layer = 0; layer < layers; layer++) {
      const routed = await simulator.route({ strategy, hiddenStates, routerLogits: logits, topK, indicesType: 'int32', layer, backend: on, prng: 'strategy' })
      ids = routed.ids.data as Int32Array
      finishLayer(step, layer, await on.histogram(ids, experts))
    }
    return { ...step, lastIds: ids }
  }

  const verify = verifySimulatedStep(context)

  const run = () => runStep(backend)
  return { runs: [{ impl, tokens: tokens * layers, run, verify }] }
}

/** Checks one simulated step: the last layer's ids, every layer's counts, balancedness in range. */
export function verifySimulatedStep(context: WorkloadContext): (output: unknown) => void {
  const { experts, topK, layers, epSize } = context.shape
  const tokens = context.tokens
  return (output) => {
    const step = output as SimulatedStep
    checkIds('simulate_zipf', step.lastIds, tokens, topK, experts, { distinct: true })
    checkLength('simulate_zipf', 'counts', step.counts, layers * experts)
    for (let layer = 0; layer < layers; layer++) {
      checkCounts('simulate_zipf', step.counts.subarray(layer * experts, (layer + 1) * experts), experts, tokens * topK)
    }
    checkBalancedness('simulate_zipf', step.balancedness, layers, epSize)
  }
}
