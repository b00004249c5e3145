import { describe, expect, it } from 'vitest'
import { createReferenceBackend } from '@routesim/backend-cpu'
import type { WeightFinish } from '@routesim/core'
import { createRandomLogits } from '@routesim/testing'
import { groupedTopKPlanner } from './grouped-top-k.ts'
import { llama4TopKPlanner } from './llama4-top-k.ts'
import type { RouterPlanner } from './router-strategy.ts'
import { sigmoidTopKPlanner } from './sigmoid-top-k.ts'
import { softmaxTopKPlanner } from './softmax-top-k.ts'

/** core's `WeightFinish` rule, written plainly in float64: score of each winner, ÷ (Σ + ε) when normalizing, × scale. */
function applyFinish(finish: WeightFinish, logits: Float32Array, cols: number, ids: Int32Array, k: number): Float64Array {
  const out = new Float64Array(ids.length)
  for (let r = 0; r < ids.length / k; r++) {
    const row = logits.subarray(r * cols, (r + 1) * cols)
    const max = row.reduce((m, x) => Math.max(m, x), -Infinity)
    const z = row.reduce((s, x) => s + Math.exp(x - max), 0)
    const score = (x: number) => (finish.score === 'softmax' ? Math.exp(x - max) / z : finish.score === 'sigmoid' ? 1 / (1 + Math.exp(-x)) : x)
    const scores = Array.from(ids.subarray(r * k, (r + 1) * k), (id) => score(row[id]!))
    const divisor = finish.normalize ? scores.reduce((a, b) => a + b, 0) + finish.epsilon : 1
    scores.forEach((s, i) => (out[r * k + i] = (s / divisor) * finish.scale))
  }
  return out
}

describe('weightFinish: each plan states its finishWeights as data (device backends weigh with it)', () => {
  const E = 64
  const rows = 200
  const logits = createRandomLogits(91, rows, E, 2)
  const bias = Array.from(createRandomLogits(92, 1, E, 0.05))
  const planners: [string, RouterPlanner][] = [
    ['softmax_topk', softmaxTopKPlanner()],
    ['softmax_topk, no renormalize', softmaxTopKPlanner({ renormalize: false })],
    ['sigmoid_topk + bias ×2.5', sigmoidTopKPlanner({ correctionBias: bias, routedScalingFactor: 2.5 })],
    ['sigmoid_topk, no renormalize', sigmoidTopKPlanner({ renormalize: false, routedScalingFactor: 3 })],
    ['grouped vllm sigmoid + bias', groupedTopKPlanner({ scoring: 'sigmoid', correctionBias: bias, routedScalingFactor: 2.5 })],
    ['grouped vllm softmax, no renormalize', groupedTopKPlanner({ renormalize: false, routedScalingFactor: 2 })],
    ['grouped hf sigmoid', groupedTopKPlanner({ variant: 'hf', scoring: 'sigmoid', correctionBias: bias, routedScalingFactor: 2.5 })],
    ['grouped hf softmax, no renormalize', groupedTopKPlanner({ variant: 'hf', renormalize: false, routedScalingFactor: 2 })],
    ['grouped hf_v2 (k within kept groups)', groupedTopKPlanner({ variant: 'hf_v2', topkGroup: 4, routedScalingFactor: 2 })],
    ['grouped megatron softmax', groupedTopKPlanner({ variant: 'megatron', routedScalingFactor: 1.5 })],
    ['grouped megatron sigmoid + bias', groupedTopKPlanner({ variant: 'megatron', scoring: 'sigmoid', correctionBias: bias })],
    ['llama4_topk', llama4TopKPlanner()],
  ]

  it.each(planners)('%s: the rule reproduces finishWeights (1e-6 relative)', (_name, planner) => {
    for (const k of [4, 8]) {
      const plan = planner(E, k)
      expect(plan.weightFinish).toBeDefined()
      const { ids } = createReferenceBackend().topK(logits, rows, E, plan.topK)
      const expected = plan.finishWeights({ logits, rows, cols: E, k, ids })
      const actual = applyFinish(plan.weightFinish!, logits, E, ids, k)
      for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(1e-6 * Math.abs(expected[i]!) + 1e-30)
    }
  })

  it('DeepSeek-V2 (hf_v2) picking from dropped groups has no rule: its weights zero those picks', () => {
    // 8 groups of 8, topkGroup 1: k = 9 must reach outside the kept group.
    expect(groupedTopKPlanner({ variant: 'hf_v2', topkGroup: 1 })(E, 9).weightFinish).toBeUndefined()
  })
})
