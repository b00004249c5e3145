import { balancedness, expertCounts, rankLoads } from '@routesim/analysis'
import type { KernelBackend, RoutingResult, ShapedInput } from '@routesim/core'
import { createSimulator } from '@routesim/simulator'
import type { PreparedRun, WorkloadContext } from './target.ts'
import { checkBalancedness, checkCounts, checkIds } from './verify.ts'

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
 * One simulated step of a DeepSeek-V3-sized model (WORKLOADS.md): for each layer a fresh `zipf`
 * strategy (its own seeded permutation of expert popularity), k distinct experts per token, then
 * per-expert counts, per-rank loads over `epSize` contiguous ranks and balancedness = mean/max.
 * On a kernel backend the ids come from the strategy's `routeTokensOn` and the counts from the
 * backend's histogram; the rank loads and balancedness are `@routesim/analysis` on the host.
 */
export function prepareSimulateZipf(
  context: WorkloadContext,
  impl: string,
  backend: KernelBackend | undefined,
): { runs: PreparedRun[]; skipped?: string } {
  const { shape, tokens } = context
  const { experts, topK, layers, epSize } = shape
  const simulator = createSimulator({ seed: context.seed })
  const params = { exponent: shape.zipfExponent }
  const probe = simulator.createStrategy(ZIPF_STRATEGY, params)
  if (backend !== undefined && probe.routeTokensOn === undefined) {
    return { runs: [], skipped: `strategy '${ZIPF_STRATEGY}' has no kernel-backend path (routeTokensOn)` }
  }
  const hiddenStates: ShapedInput = { shape: [tokens, 1] }
  const logits: ShapedInput = { shape: [tokens, experts] }

  const finishLayer = (step: { counts: Int32Array; balancedness: Float64Array }, layer: number, counts: Int32Array): void => {
    step.counts.set(counts, layer * experts)
    step.balancedness[layer] = balancedness(rankLoads(counts, epSize, 'linear'))
  }

  const runReference = (): SimulatedStep => {
    const step = { counts: new Int32Array(layers * experts), balancedness: new Float64Array(layers) }
    let ids = new Int32Array(0)
    for (let layer = 0; layer < layers; layer++) {
      const strategy = simulator.createStrategy(ZIPF_STRATEGY, params)
      ids = strategy.routeTokens(hiddenStates, logits, topK, 'int32')[1].data as Int32Array
      finishLayer(step, layer, expertCounts(ids, experts))
    }
    return { ...step, lastIds: ids }
  }

  const runOnBackend = async (on: KernelBackend): Promise<SimulatedStep> => {
    const step = { counts: new Int32Array(layers * experts), balancedness: new Float64Array(layers) }
    let ids = new Int32Array(0)
    for (let layer = 0; layer < layers; layer++) {
      const strategy = simulator.createStrategy(ZIPF_STRATEGY, params)
      const result: RoutingResult = await strategy.routeTokensOn!(on, hiddenStates, logits, topK, 'int32')
      ids = result[1].data as Int32Array
      finishLayer(step, layer, await on.histogram(ids, experts))
    }
    return { ...step, lastIds: ids }
  }

  const verify = (output: unknown): void => {
    const step = output as SimulatedStep
    checkIds('simulate_zipf', step.lastIds, tokens, topK, experts, { distinct: true })
    if (step.counts.length !== layers * experts) checkCounts('simulate_zipf', step.counts, experts, tokens * topK)
    for (let layer = 0; layer < layers; layer++) {
      checkCounts('simulate_zipf', step.counts.subarray(layer * experts, (layer + 1) * experts), experts, tokens * topK)
    }
    checkBalancedness('simulate_zipf', step.balancedness, layers, epSize)
  }

  const run = backend === undefined ? runReference : () => runOnBackend(backend)
  return { runs: [{ impl, tokens: tokens * layers, run, verify }] }
}
