import { describe, expect, it } from 'vitest'
import { createPrng } from '@routesim/core'
import { createReferenceBackend } from '@routesim/backend-cpu'
import type { TopKOptions } from '@routesim/core'
import { compareTopK } from './compare-top-k.ts'
import { createRandomLogits } from './random-inputs.ts'
import { samplingStatistics } from './sampling-statistics.ts'

const reference = createReferenceBackend()

describe('compareTopK catches what a broken backend would do', () => {
  const rows = 50
  const cols = 16
  const logits = createRandomLogits(1, rows, cols)
  const options: TopKOptions = { k: 4, scoring: 'softmax' }
  const expected = reference.topK(logits, rows, cols, options)

  it('accepts the reference itself', () => {
    expect(compareTopK({ logits, rows, cols, options, reference: expected, candidate: expected })).toEqual({ problems: [], toleratedRows: 0 })
  })

  it('flags a swapped pair of ids without a tie', () => {
    const ids = expected.ids.slice()
    ;[ids[0], ids[1]] = [ids[1]!, ids[0]!]
    const { problems } = compareTopK({ logits, rows, cols, options, reference: expected, candidate: { ...expected, ids, weights: expected.weights } })
    expect(problems[0]).toMatch(/^row 0/)
  })

  it('flags a weight off by more than 1e-6 relative, accepts one within', () => {
    const off = expected.weights.slice()
    off[7] = off[7]! * (1 + 3e-6)
    expect(compareTopK({ logits, rows, cols, options, reference: expected, candidate: { ...expected, weights: off } }).problems).toHaveLength(1)
    const close = expected.weights.slice()
    close[7] = close[7]! * (1 + 2e-7)
    expect(compareTopK({ logits, rows, cols, options, reference: expected, candidate: { ...expected, weights: close } }).problems).toEqual([])
  })

  it('tolerates a different pick only where two scores tie within float32 rounding', () => {
    // Experts 2 and 9 nearly tie (one float32 ulp apart) for the last slot of row 0.
    const tied = new Float32Array(cols).fill(-5)
    tied[0] = 3
    tied[1] = 2
    tied[4] = 1
    tied[2] = 0.5
    tied[9] = Math.fround(0.5 - 2 ** -24)
    const ref = reference.topK(tied, 1, cols, options)
    expect(Array.from(ref.ids)).toEqual([0, 1, 4, 2])
    const swappedIds = new Int32Array([0, 1, 4, 9])
    const weights = ref.weights.slice()
    const e = tied.map((v) => Math.exp(v - 3))
    const sum = e.reduce((a, b) => a + b, 0)
    weights[3] = e[9]! / sum
    const winnerLogits = Float32Array.from(swappedIds, (j) => tied[j]!)
    const result = compareTopK({ logits: tied, rows: 1, cols, options, reference: ref, candidate: { ...ref, ids: swappedIds, weights, winnerLogits } })
    expect(result).toEqual({ problems: [], toleratedRows: 1 })
    const wrong = compareTopK({
      logits: tied,
      rows: 1,
      cols,
      options,
      reference: ref,
      candidate: { ...ref, ids: new Int32Array([0, 1, 4, 3]), weights, winnerLogits: Float32Array.from([0, 1, 4, 3], (j) => tied[j]!) },
    })
    expect(wrong.problems).toHaveLength(1)
  })

  it('accepts the other group where two group scores tie at the cut within float32 rounding, and only that', () => {
    // 4 groups of 4, keep 2 by top-2 sum: g0 clearly first; g1 (3 + 2 = 5) and g2 (3.5 + (1.5 + 2^-22))
    // tie within 1e-7, so a float32 kernel may keep g1 where the float64 reference keeps g2 — which changes
    // the tail picks (ids 4, 5 instead of 8, 9), not just their order.
    const grouped: TopKOptions = { k: 4, scoring: 'logits', grouping: { numGroups: 4, topkGroup: 2, groupScore: 'top2_sum' } }
    const row = new Float32Array(16).fill(-5)
    row[0] = 10
    row[1] = 9
    row[4] = 3
    row[5] = 2
    row[8] = 3.5
    row[9] = Math.fround(1.5 + 2 ** -22)
    row[12] = 1
    const ref = reference.topK(row, 1, 16, grouped)
    expect(Array.from(ref.ids)).toEqual([0, 1, 8, 9])
    const check = (ids: number[]) =>
      compareTopK({
        logits: row,
        rows: 1,
        cols: 16,
        options: grouped,
        reference: ref,
        candidate: { ids: Int32Array.from(ids), weights: Float32Array.from(ids, (j) => row[j]!), winnerLogits: Float32Array.from(ids, (j) => row[j]!) },
      })
    expect(check([0, 1, 4, 5])).toEqual({ problems: [], toleratedRows: 1 })
    // Still wrong: an expert of the untied group g3, a mix of both tied groups, or a bad order inside the swap.
    expect(check([0, 1, 12, 5]).problems).toHaveLength(1)
    expect(check([0, 1, 8, 5]).problems).toHaveLength(1)
    expect(check([0, 1, 5, 4]).problems).toHaveLength(1)
  })

  it('flags wrong output types and lengths', () => {
    const candidate = { ...expected, ids: new Int32Array(3) }
    expect(compareTopK({ logits, rows, cols, options, reference: expected, candidate }).problems[0]).toMatch(/ids/)
  })

  it('flags winner logits that are not the input values at the ids, and a missing or wrong normaliser', () => {
    const winnerLogits = expected.winnerLogits.slice()
    winnerLogits[5] = winnerLogits[5]! + 1e-3
    expect(compareTopK({ logits, rows, cols, options, reference: expected, candidate: { ...expected, winnerLogits } }).problems[0]).toMatch(
      /^row 1, slot 1: winnerLogits/,
    )
    const { normalizer: _dropped, ...withoutNormalizer } = expected
    expect(compareTopK({ logits, rows, cols, options, reference: expected, candidate: withoutNormalizer }).problems[0]).toMatch(/^normalizer: expected/)
    const sum = expected.normalizer!.sum.slice()
    sum[2] = sum[2]! * (1 + 1e-5)
    const max = expected.normalizer!.max.slice()
    max[3] = max[3]! + 1
    const bad = compareTopK({ logits, rows, cols, options, reference: expected, candidate: { ...expected, normalizer: { max, sum } } }).problems
    expect(bad.some((p) => p.startsWith('row 2: normalizer.sum'))).toBe(true)
    expect(bad.some((p) => p.startsWith('row 3: normalizer.max'))).toBe(true)
  })
})

describe('samplingStatistics separates a correct sampler from a biased one', () => {
  const rows = 4000
  const E = 16
  const k = 4
  it('passes the reference and rejects a sampler that over-picks expert 0', () => {
    const good = reference.sampleIds({ kind: 'uniform_distinct', rows, numExperts: E, k, seed: 3 })
    for (const s of samplingStatistics('uniform_distinct', good, rows, E, k)) expect(s.result.pValue, s.name).toBeGreaterThan(1e-4)
    const biased = good.slice()
    const prng = createPrng(1)
    // Replace the first slot by expert 0 in 5% of rows (where 0 is not already present).
    for (let r = 0; r < rows; r++) {
      const row = biased.subarray(r * k, (r + 1) * k)
      if (prng.nextDouble() < 0.05 && !row.includes(0)) row[0] = 0
    }
    const first = samplingStatistics('uniform_distinct', biased, rows, E, k)[0]!
    expect(first.result.pValue).toBeLessThan(1e-6)
  })

  it('rejects uniform ids when Plackett–Luce weights are skewed', () => {
    const weights = Float64Array.from({ length: E }, (_, j) => 1 / (j + 1))
    const uniform = reference.sampleIds({ kind: 'uniform_distinct', rows, numExperts: E, k, seed: 4 })
    expect(samplingStatistics('categorical_distinct', uniform, rows, E, k, weights)[0]!.result.pValue).toBeLessThan(1e-10)
    const right = reference.sampleIds({ kind: 'categorical_distinct', rows, numExperts: E, k, seed: 4, weights })
    for (const s of samplingStatistics('categorical_distinct', right, rows, E, k, weights)) expect(s.result.pValue, s.name).toBeGreaterThan(1e-4)
  })

  it('detects an iid sampler that never repeats ids', () => {
    const distinct = reference.sampleIds({ kind: 'uniform_distinct', rows, numExperts: E, k, seed: 5 })
    const repeats = samplingStatistics('uniform_iid', distinct, rows, E, k).find((s) => s.name === 'rows with a repeated id')!
    expect(repeats.result.pValue).toBeLessThan(1e-10)
  })
})
