import { defineParameters, defineStrategy, resolveParameters } from '@routesim/core'
import type { IndexDtype, RoutingResult, ShapedInput, Tensor } from '@routesim/core'
import { createRouterStrategy, runRouter, softmaxScores, winnerLogits } from './router-strategy.ts'
import type { RouterPlanner } from './router-strategy.ts'
import { softmaxOfSelected } from './router-weights.ts'

export interface SoftmaxTopKOptions {
  /** Divide the k weights by their sum (vLLM's factory default: true). */
  readonly renormalize?: boolean
}

const parameters = defineParameters({
  renormalize: { type: 'boolean', description: 'Divide the k selected probabilities by their sum.', default: true },
})

/** vLLM `fused_topk` with softmax scoring. */
export function softmaxTopKPlanner(options: SoftmaxTopKOptions = {}): RouterPlanner {
  const { renormalize } = resolveParameters('softmax_topk', parameters, options)
  return (_numExperts, k) => ({
    // Renormalized weights need only the selected logits, so the backend can skip the full normaliser.
    topK: { k, scoring: 'softmax', needWeights: false, normalizer: !renormalize },
    weightFinish: { score: 'softmax', normalize: renormalize, epsilon: 0, scale: 1 },
    finishWeights: (s) => {
      if (!renormalize) return softmaxScores(s)
      const out = new Float32Array(s.ids.length)
      softmaxOfSelected(winnerLogits(s), s.k, 1, out)
      return out
    },
  })
}

/**
 * Softmax → top-k (ties → lower expert id, rows by descending weight) → optional renormalization.
 *
 * @example
 * softmaxTopK({ data: new Float32Array([1, 2, 3, 4]), shape: [1, 4] }, 2)
 * // [weights [[0.731059, 0.268941]], ids [[3, 2]]]
 */
export function softmaxTopK(routerLogits: Tensor | ShapedInput, topK: number, options: SoftmaxTopKOptions & { indicesType?: IndexDtype } = {}): RoutingResult {
  const { indicesType, ...rest } = options
  return runRouter(softmaxTopKPlanner(rest), routerLogits, topK, indicesType)
}

export const softmaxTopKDefinition = defineStrategy<{ renormalize: boolean }>({
  name: 'softmax_topk',
  description: 'vLLM fused_topk: softmax over the router logits, top-k, optional renormalization.',
  parameters,
  source: 'vLLM fused_topk_router.py @04b27e94, topk_softmax_kernels.cu @0112cf23',
  formula: 'p = softmax(l); ids = topk(p, k) (ties → lower id); w = renormalize ? p[ids] / Σ p[ids] : p[ids]',
  usesLogits: true,
  create: (params) => createRouterStrategy(softmaxTopKPlanner(params), { router: 'softmax_topk', params }),
})
