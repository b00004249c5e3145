import { describeStrategyConformance } from '@routesim/testing'
import { groupedTopKDefinition } from './grouped-top-k.ts'
import { llama4TopKDefinition } from './llama4-top-k.ts'
import { sigmoidTopKDefinition } from './sigmoid-top-k.ts'
import { softmaxTopKDefinition } from './softmax-top-k.ts'
import { createPrng, resolveParameters } from '@routesim/core'
import type { StrategyDefinition } from '@routesim/core'

/** What the simulator does: validate parameters against the definition, then create. */
function make(definition: StrategyDefinition, parameters: Record<string, unknown> = {}) {
  return ({ seed }: { seed: number | bigint | string }) => definition.create(resolveParameters(definition.name, definition.parameters, parameters), { seed })
}

const routerOptions = { distinct: true, usesLogits: true, deterministic: true } as const

describeStrategyConformance('softmax_topk', make(softmaxTopKDefinition), { ...routerOptions, weightSum: 'one' })
describeStrategyConformance('softmax_topk renormalize=false', make(softmaxTopKDefinition, { renormalize: false }), { ...routerOptions, weightSum: 'any' })
describeStrategyConformance('sigmoid_topk', make(sigmoidTopKDefinition), { ...routerOptions, weightSum: 'one' })
describeStrategyConformance('sigmoid_topk × 2.5', make(sigmoidTopKDefinition, { routedScalingFactor: 2.5 }), { ...routerOptions, weightSum: 2.5 })
describeStrategyConformance('llama4_topk', make(llama4TopKDefinition), { ...routerOptions, weightSum: 'any' })

// Grouped: 8 groups, keep 4 ⇒ E must be a multiple of 8 (or fall back, vllm) and k ≤ 4·E/8.
const groupedShapes = [
  { numExperts: 64, topK: 6 },
  { numExperts: 256, topK: 8 },
  { numExperts: 16, topK: 8 },
  { numExperts: 16, topK: 4 },
]
describeStrategyConformance('grouped_topk (vllm, softmax)', make(groupedTopKDefinition), {
  ...routerOptions,
  weightSum: 'one',
  shapes: [...groupedShapes, { numExperts: 8, topK: 8 }, { numExperts: 30, topK: 5 }],
})
for (const variant of ['hf', 'hf_v2', 'megatron'] as const) {
  describeStrategyConformance(`grouped_topk (${variant}, sigmoid)`, make(groupedTopKDefinition, { variant, scoring: 'sigmoid' }), {
    ...routerOptions,
    weightSum: 'one',
    shapes: groupedShapes,
  })
}

// With a correction bias (one value per expert, so one E per suite) and a scaling factor.
const prng = createPrng(3, 'bias')
const bias = (n: number) => Array.from({ length: n }, () => prng.nextNormal() * 0.05)
describeStrategyConformance('sigmoid_topk + bias × 2.5', make(sigmoidTopKDefinition, { correctionBias: bias(64), routedScalingFactor: 2.5 }), {
  ...routerOptions,
  weightSum: 2.5,
  shapes: [{ numExperts: 64, topK: 8 }],
})
describeStrategyConformance(
  'grouped_topk DeepSeek-V3 (vllm, sigmoid + bias, × 2.5)',
  make(groupedTopKDefinition, { scoring: 'sigmoid', correctionBias: bias(256), routedScalingFactor: 2.5 }),
  { ...routerOptions, weightSum: 2.5, shapes: [{ numExperts: 256, topK: 8 }] },
)
