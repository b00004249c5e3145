import { describe, expect, it } from 'vitest'
import type { RoutingResult } from '@routesim/core'
import { groupedTopK } from './grouped-top-k.ts'
import { llama4TopK } from './llama4-top-k.ts'
import { sigmoidTopK } from './sigmoid-top-k.ts'
import { softmaxTopK } from './softmax-top-k.ts'

const logits1234 = { data: new Float32Array([1, 2, 3, 4]), shape: [1, 4] }

function expectRouting(result: RoutingResult, ids: number[], weights: number[]) {
  expect(Array.from(result[1].data as Int32Array)).toEqual(ids)
  expect(result[0].data.length).toBe(weights.length)
  weights.forEach((w, i) => expect(result[0].data[i]).toBeCloseTo(w, 6))
}

describe('golden vectors (anchors-domain §b.12 and hand-derived)', () => {
  it('softmax_topk: top-2 of [1,2,3,4] → ids [3,2], weights [0.731059, 0.268941]', () => {
    expectRouting(softmaxTopK(logits1234, 2), [3, 2], [0.731059, 0.268941])
  })

  it('softmax_topk without renormalization → weights [0.643914, 0.236883]', () => {
    expectRouting(softmaxTopK(logits1234, 2, { renormalize: false }), [3, 2], [0.643914, 0.236883])
  })

  it('softmax_topk: ties go to the lower expert id and rows are ordered by descending weight', () => {
    // [2, 5, 5, 1, 5]: the three 5s tie; k = 2 keeps ids 1 and 2, each 1/2 after renormalization.
    expectRouting(softmaxTopK({ data: new Float32Array([2, 5, 5, 1, 5]), shape: [1, 5] }, 2), [1, 2], [0.5, 0.5])
  })

  it('sigmoid_topk: [1,2,3,4], k=2 → σ(4), σ(3) renormalized = [0.507609, 0.492391]', () => {
    expectRouting(sigmoidTopK(logits1234, 2), [3, 2], [0.507609, 0.492391])
    expectRouting(sigmoidTopK(logits1234, 2, { renormalize: false }), [3, 2], [0.982014, 0.952574])
  })

  it('sigmoid_topk with correction bias: selects on σ + bias, weighs with σ, × 2.5', () => {
    // σ = [0.731059, 0.880797, 0.952574, 0.982014]; bias lifts expert 0 to the top.
    const result = sigmoidTopK(logits1234, 2, { correctionBias: [0.3, 0, 0, 0], routedScalingFactor: 2.5 })
    const s0 = 0.731059
    const s3 = 0.982014
    expectRouting(result, [0, 3], [(2.5 * s0) / (s0 + s3), (2.5 * s3) / (s0 + s3)])
  })

  it('llama4_topk: [1,2,3,4], k=2 → ids [3,2], weights σ(4), σ(3) = [0.982014, 0.952574]', () => {
    expectRouting(llama4TopK(logits1234, 2), [3, 2], [0.982014, 0.952574])
    expectRouting(llama4TopK({ data: new Float32Array([0, -1, 0]), shape: [1, 3] }, 1), [0], [0.5])
  })

  // E = 8 in 4 groups of 2: logits [4, -3 | 3, 2.9 | 0, 0 | -1, 3.5].
  const groupedLogits = { data: new Float32Array([4, -3, 3, 2.9, 0, 0, -1, 3.5]), shape: [1, 8] }

  it('grouped_topk vllm, softmax: group max keeps groups 0 and 3; the runner-up group 1 is excluded', () => {
    const result = groupedTopK(groupedLogits, 3, { numExpertGroup: 4, topkGroup: 2 })
    // Winners 0 (4), 7 (3.5), 6 (-1); weights = softmax over the three selected logits.
    const e = [Math.exp(0), Math.exp(-0.5), Math.exp(-5)]
    const z = e[0]! + e[1]! + e[2]!
    expectRouting(
      result,
      [0, 7, 6],
      e.map((v) => v / z),
    )
  })

  it('grouped_topk vllm with bias: groups by top-2 sum keep groups 1 and 3', () => {
    // Top-2 sums on σ: group 0 = σ(4) + σ(-3) = 1.029440, group 1 = σ(3) + σ(2.9) = 1.900360,
    // group 2 = 1.0, group 3 = σ(-1) + σ(3.5) = 1.238168 (zero bias); keep 1 and 3.
    const result = groupedTopK(groupedLogits, 2, { numExpertGroup: 4, topkGroup: 2, scoring: 'sigmoid', correctionBias: new Array(8).fill(0) })
    const s7 = 1 / (1 + Math.exp(-3.5))
    const s2 = 1 / (1 + Math.exp(-3))
    expectRouting(result, [7, 2], [s7 / (s7 + s2), s2 / (s7 + s2)])
  })

  it('grouped_topk hf masks with 0, so a masked expert can beat a kept one whose score + bias < 0', () => {
    // Bias −1 everywhere except expert 0 (+0.5); all kept scores + bias < 0 ⇒ masked experts (value 0)
    // outrank them; ties among masked experts go to the lower id.
    const bias = [0.5, -1, -1, -1, -1, -1, -1, -1]
    const result = groupedTopK(groupedLogits, 2, {
      numExpertGroup: 4,
      topkGroup: 1,
      scoring: 'sigmoid',
      correctionBias: bias,
      variant: 'hf',
      renormalize: false,
    })
    // Group 0 kept (top-2 sum of σ + bias: σ(4)+0.5 + σ(-3)−1 = 0.529440 beats the others); expert 0 wins (0.982+0.5),
    // then masked expert 2 (value 0) beats kept expert 1 (σ(−3) − 1 < 0).
    expectRouting(result, [0, 2], [1 / (1 + Math.exp(-4)), 1 / (1 + Math.exp(-3))])
    const vllm = groupedTopK(groupedLogits, 2, { numExpertGroup: 4, topkGroup: 1, scoring: 'sigmoid', correctionBias: bias, renormalize: false })
    expectRouting(vllm, [0, 1], [1 / (1 + Math.exp(-4)), 1 / (1 + Math.exp(3))])
  })

  it('grouped_topk hf_v2 scales only when it does not normalize; hf always scales', () => {
    const options = { numExpertGroup: 4, topkGroup: 2, routedScalingFactor: 16 } as const
    const normalized = groupedTopK(groupedLogits, 2, { ...options, variant: 'hf_v2' })
    const sum = normalized[0].data[0]! + normalized[0].data[1]!
    expect(sum).toBeCloseTo(1, 6)
    const v3 = groupedTopK(groupedLogits, 2, { ...options, variant: 'hf' })
    expect(v3[0].data[0]! + v3[0].data[1]!).toBeCloseTo(16, 5)
  })

  it('grouped_topk megatron scores groups by the sum of their top k // topkGroup logits', () => {
    // k = 4, topkGroup = 2 ⇒ top-2 sums on logits: [1, 5.9, 0, 2.5] ⇒ keep groups 1 and 3.
    const result = groupedTopK(groupedLogits, 4, { numExpertGroup: 4, topkGroup: 2, variant: 'megatron' })
    const selected = [3.5, 3, 2.9, -1]
    const e = selected.map((v) => Math.exp(v - 3.5))
    const z = e.reduce((a, b) => a + b, 0)
    expectRouting(
      result,
      [7, 2, 3, 6],
      e.map((v) => v / z),
    )
  })
})
