import { describe, expect } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { groupedTopK } from './grouped-top-k.ts'
import { llama4TopK } from './llama4-top-k.ts'
import { sigmoidTopK } from './sigmoid-top-k.ts'
import { softmaxTopK } from './softmax-top-k.ts'

/** Random [T, E] float32 logits (distinct-ish values in a realistic range) with a valid k. */
const routingInput = (maxExperts = 40) =>
  fc
    .record({ tokens: fc.integer({ min: 1, max: 12 }), experts: fc.integer({ min: 1, max: maxExperts }), k: fc.integer({ min: 1, max: maxExperts }) })
    .chain(({ tokens, experts, k }) =>
      fc.record({
        tokens: fc.constant(tokens),
        experts: fc.constant(experts),
        k: fc.constant(Math.min(k, experts)),
        data: fc.float32Array({ minLength: tokens * experts, maxLength: tokens * experts, min: -30, max: 30, noNaN: true, noDefaultInfinity: true }),
      }),
    )

const rowsOf = (data: ArrayLike<number>, k: number) => Array.from({ length: data.length / k }, (_, r) => Array.from(data).slice(r * k, (r + 1) * k))

describe('router laws', () => {
  test.prop([routingInput()])('renormalized weights sum to 1 (softmax, sigmoid, grouped)', ({ tokens, experts, k, data }) => {
    const logits = { data, shape: [tokens, experts] }
    for (const [weights] of [softmaxTopK(logits, k), sigmoidTopK(logits, k), groupedTopK(logits, k, { numExpertGroup: 1, topkGroup: 1, scoring: 'sigmoid' })]) {
      for (const row of rowsOf(weights.data, k)) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
    }
  })

  test.prop([routingInput()])('top-k of softmax equals top-k of logits (and llama4, sigmoid pick the same ids)', ({ tokens, experts, k, data }) => {
    const logits = { data, shape: [tokens, experts] }
    const softmaxIds = Array.from(softmaxTopK(logits, k)[1].data as Int32Array)
    const fromProbabilities: number[] = []
    for (let r = 0; r < tokens; r++) {
      const row = Array.from(data.subarray(r * experts, (r + 1) * experts))
      const max = Math.max(...row)
      const e = row.map((v) => Math.exp(v - max))
      const z = e.reduce((a, b) => a + b, 0)
      const p = e.map((v) => v / z)
      // Distinct logits whose probabilities round to the same double would tie here but not on the logits.
      fc.pre(new Set(row).size === new Set(p).size)
      fromProbabilities.push(
        ...p
          .map((v, i) => [v, i] as const)
          .sort((a, b) => b[0] - a[0] || a[1] - b[1])
          .slice(0, k)
          .map(([, i]) => i),
      )
    }
    expect(softmaxIds).toEqual(fromProbabilities)
    expect(Array.from(llama4TopK(logits, k)[1].data as Int32Array)).toEqual(softmaxIds)
    expect(Array.from(sigmoidTopK(logits, k)[1].data as Int32Array)).toEqual(softmaxIds)
  })

  test.prop([routingInput()])('ids are distinct per row and in [0, E)', ({ tokens, experts, k, data }) => {
    for (const row of rowsOf(softmaxTopK({ data, shape: [tokens, experts] }, k)[1].data as Int32Array, k)) {
      expect(new Set(row).size).toBe(k)
      for (const id of row) expect(id >= 0 && id < experts).toBe(true)
    }
  })

  test.prop([routingInput()])('rows are ordered by descending weight (softmax, llama4)', ({ tokens, experts, k, data }) => {
    const logits = { data, shape: [tokens, experts] }
    for (const [weights] of [softmaxTopK(logits, k, { renormalize: false }), llama4TopK(logits, k)]) {
      for (const row of rowsOf(weights.data, k)) for (let i = 1; i < k; i++) expect(row[i]!).toBeLessThanOrEqual(row[i - 1]!)
    }
  })

  test.prop([routingInput(), fc.integer({ min: -20, max: 20 })])(
    'softmax routing is invariant to adding a constant to a row',
    ({ tokens, experts, k, data }, shift) => {
      const shifted = data.map((v) => v + shift)
      // Only where float32 rounding of the shift keeps every pairwise order within a row.
      let sameOrder = true
      for (let r = 0; r < tokens; r++) {
        for (let i = r * experts; i < (r + 1) * experts; i++) {
          for (let j = r * experts; j < i; j++) {
            if (Math.sign(data[i]! - data[j]!) !== Math.sign(shifted[i]! - shifted[j]!)) sameOrder = false
          }
        }
      }
      const a = softmaxTopK({ data, shape: [tokens, experts] }, k)
      const b = softmaxTopK({ data: shifted, shape: [tokens, experts] }, k)
      fc.pre(sameOrder)
      expect(Array.from(b[1].data as Int32Array)).toEqual(Array.from(a[1].data as Int32Array))
      b[0].data.forEach((w, i) => expect(w).toBeCloseTo(a[0].data[i]!, 5))
    },
  )

  test.prop([routingInput(), fc.double({ min: 0.1, max: 10, noNaN: true })])(
    'routedScalingFactor scales every weight and changes no id',
    ({ tokens, experts, k, data }, scale) => {
      const logits = { data, shape: [tokens, experts] }
      const plain = sigmoidTopK(logits, k)
      const scaled = sigmoidTopK(logits, k, { routedScalingFactor: scale })
      expect(Array.from(scaled[1].data as Int32Array)).toEqual(Array.from(plain[1].data as Int32Array))
      scaled[0].data.forEach((w, i) => expect(w).toBeCloseTo(Math.fround(plain[0].data[i]! * scale), 4))
    },
  )

  test.prop([routingInput()])('a zero correction bias changes nothing', ({ tokens, experts, k, data }) => {
    // With a bias, σ is materialized in float64; distinct logits whose σ rounds to the same double (e.g. 0 and
    // 1e-29) then tie and go to the lower id, while plain selection still separates them on the logits.
    const sigma = (v: number) => 1 / (1 + Math.exp(-v))
    for (let r = 0; r < tokens; r++) {
      const row = Array.from(data.subarray(r * experts, (r + 1) * experts))
      fc.pre(new Set(row).size === new Set(row.map(sigma)).size)
    }
    const logits = { data, shape: [tokens, experts] }
    const a = sigmoidTopK(logits, k)
    const b = sigmoidTopK(logits, k, { correctionBias: new Array(experts).fill(0) })
    expect(Array.from(b[1].data as Int32Array)).toEqual(Array.from(a[1].data as Int32Array))
    expect(Array.from(b[0].data)).toEqual(Array.from(a[0].data))
  })

  test.prop([fc.integer({ min: 1, max: 8 }), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 0, max: 2 ** 31 })])(
    'keeping every group equals plain top-k (vllm grouped_topk with topkGroup = numExpertGroup)',
    (groups, size, seed) => {
      const experts = groups * size
      const data = Float32Array.from({ length: 4 * experts }, (_, i) => Math.sin(seed + i * 12.9898) * 10)
      const logits = { data, shape: [4, experts] }
      const k = Math.min(3, experts)
      const grouped = groupedTopK(logits, k, { numExpertGroup: groups, topkGroup: groups })
      const plain = softmaxTopK(logits, k)
      expect(Array.from(grouped[1].data as Int32Array)).toEqual(Array.from(plain[1].data as Int32Array))
    },
  )

  test.prop([
    fc
      .integer({ min: 1, max: 6 })
      .chain((tokens) =>
        fc.tuple(
          fc.constant(tokens),
          fc.float32Array({ minLength: tokens * 24, maxLength: tokens * 24, min: -30, max: 30, noNaN: true, noDefaultInfinity: true }),
        ),
      ),
  ])('grouped_topk picks only experts of the kept groups (vllm, -inf mask)', ([tokens, data]) => {
    const [, ids] = groupedTopK({ data, shape: [tokens, 24] }, 4, {
      numExpertGroup: 6,
      topkGroup: 2,
      scoring: 'sigmoid',
      correctionBias: new Array(24).fill(0.01),
    })
    for (const row of rowsOf(ids.data as Int32Array, 4)) expect(new Set(row.map((id) => Math.floor(id / 4))).size).toBeLessThanOrEqual(2)
  })

  test.prop([routingInput()])('llama4 weights are σ of the selected logits', ({ tokens, experts, k, data }) => {
    const [weights, ids] = llama4TopK({ data, shape: [tokens, experts] }, k)
    const idData = ids.data as Int32Array
    weights.data.forEach((w, i) => {
      const logit = data[Math.floor(i / k) * experts + idData[i]!]!
      expect(w).toBeCloseTo(1 / (1 + Math.exp(-logit)), 6)
    })
  })
})
