import { defineParameters, defineStrategy, resolveParameters } from '@routesim/core'
import type { IndexDtype, RoutingResult, ShapedInput, Tensor } from '@routesim/core'
import { createRouterStrategy, runRouter, winnerLogits } from './router-strategy.ts'
import type { RouterPlanner } from './router-strategy.ts'
import { sigmoidOfSelected } from './router-weights.ts'

const parameters = defineParameters({})

/** Llama-4's custom routing function. */
export function llama4TopKPlanner(options: Record<string, never> = {}): RouterPlanner {
  resolveParameters('llama4_topk', parameters, options)
  return (_numExperts, k) => ({
    topK: { k, scoring: 'logits', needWeights: false },
    weightFinish: { score: 'sigmoid', normalize: false, epsilon: 0, scale: 1 },
    finishWeights: (s) => {
      const out = new Float32Array(s.ids.length)
      sigmoidOfSelected(winnerLogits(s), 1, out)
      return out
    },
  })
}

/** Top-k on the raw logits (ties → lower id), weights σ(selected logit); no renormalization. */
export function llama4TopK(routerLogits: Tensor | ShapedInput, topK: number, options: { indicesType?: IndexDtype } = {}): RoutingResult {
  return runRouter(llama4TopKPlanner(), routerLogits, topK, options.indicesType)
}

export const llama4TopKDefinition = defineStrategy<Record<string, never>>({
  name: 'llama4_topk',
  description: 'Llama-4: top-k on the raw router logits, weights = sigmoid of the selected logits, no renormalization.',
  parameters,
  source: 'vLLM Llama4MoE.custom_routing_function (FlashInfer "Llama4: Top1 -> Sigmoid")',
  formula: 'vals, ids = topk(l, k) (ties → lower id); w = σ(vals)',
  usesLogits: true,
  create: (params) => createRouterStrategy(llama4TopKPlanner(params), { router: 'llama4_topk', params }),
})
