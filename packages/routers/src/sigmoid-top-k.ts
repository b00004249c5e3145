import { defineParameters, defineStrategy, resolveParameters } from '@routesim/core'
import type { IndexDtype, RoutingResult, ShapedInput, Tensor } from '@routesim/core'
import { resolveCorrectionBias } from './correction-bias.ts'
import { createRouterStrategy, runRouter, winnerLogits } from './router-strategy.ts'
import type { RouterPlanner } from './router-strategy.ts'
import { renormalizedSigmoidOfSelected, sigmoidOfSelected } from './router-weights.ts'

export interface SigmoidTopKOptions {
  /** Divide the k weights by their sum. Default true. */
  readonly renormalize?: boolean
  /** Per-expert bias added to the scores for selection only (DeepSeek-V3 `e_score_correction_bias`). */
  readonly correctionBias?: readonly number[] | Float32Array | Float64Array
  /** Multiplies the final weights. Default 1. */
  readonly routedScalingFactor?: number
}

const parameters = defineParameters({
  renormalize: { type: 'boolean', description: 'Divide the k selected scores by their sum.', default: true },
  correctionBias: {
    type: 'number[]',
    description: 'Per-expert bias added to σ(l) for selection only; weights stay unbiased. One value per expert.',
    optional: true,
  },
  routedScalingFactor: {
    type: 'number',
    description: 'Multiplies the final weights (after renormalization); at most 1e6 so float32 weights stay finite.',
    default: 1,
    min: 0,
    exclusiveMin: true,
    max: 1e6,
  },
})

/** vLLM `fused_topk` (sigmoid) and `fused_topk_bias` (sigmoid + correction bias). */
export function sigmoidTopKPlanner(options: SigmoidTopKOptions = {}): RouterPlanner {
  const { renormalize, correctionBias, routedScalingFactor } = resolveParameters('sigmoid_topk', parameters, options)
  return (numExperts, k) => {
    const bias = resolveCorrectionBias('sigmoid_topk', correctionBias, numExperts)
    return {
      topK: { k, scoring: 'sigmoid', ...(bias ? { bias } : {}), needWeights: false },
      weightFinish: { score: 'sigmoid', normalize: renormalize, epsilon: 0, scale: routedScalingFactor },
      finishWeights: (s) => {
        const out = new Float32Array(s.ids.length)
        if (renormalize) renormalizedSigmoidOfSelected(winnerLogits(s), s.k, routedScalingFactor, out)
        else sigmoidOfSelected(winnerLogits(s), routedScalingFactor, out)
        return out
      },
    }
  }
}

/**
 * σ(logits) → top-k on σ + bias (ties → lower id, rows by descending σ + bias) → weights σ of the winners,
 * renormalized, × routedScalingFactor.
 */
export function sigmoidTopK(routerLogits: Tensor | ShapedInput, topK: number, options: SigmoidTopKOptions & { indicesType?: IndexDtype } = {}): RoutingResult {
  const { indicesType, ...rest } = options
  return runRouter(sigmoidTopKPlanner(rest), routerLogits, topK, indicesType)
}

export const sigmoidTopKDefinition = defineStrategy<{ renormalize: boolean; correctionBias?: number[]; routedScalingFactor: number }>({
  name: 'sigmoid_topk',
  description: 'Sigmoid scores, top-k on score + optional correction bias, unbiased weights, renormalize, × scaling factor.',
  parameters,
  source: 'vLLM fused_topk_router.py @04b27e94 (sigmoid) and fused_topk_bias_router.py @0263839f',
  formula: 's = σ(l); ids = topk(s + bias, k) (ties → lower id); w = s[ids]; w = renormalize ? w / Σw : w; w *= routedScalingFactor',
  usesLogits: true,
  create: (params) => createRouterStrategy(sigmoidTopKPlanner(params), { router: 'sigmoid_topk', params }),
})
