import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { createPrng, validateTopKArguments } from '@routesim/core'
import type { GroupSelection, TopKOptions } from '@routesim/core'
import { canPruneSigmoid, prunedSigmoidTopK } from './reference-backend-sigmoid-pruned.ts'
import { generalTopK } from './reference-backend-top-k.ts'

/** Runs both paths on the same input; the pruned one must be bit-identical to computing σ for every expert. */
function expectSamePaths(logits: Float32Array, rows: number, cols: number, options: TopKOptions) {
  const o = validateTopKArguments(logits, rows, cols, options)
  expect(canPruneSigmoid(o)).toBe(true)
  const full = { ids: new Int32Array(rows * options.k), weights: new Float32Array(rows * options.k) }
  const pruned = { ids: new Int32Array(rows * options.k), weights: new Float32Array(rows * options.k) }
  generalTopK(logits, o, full.ids, full.weights)
  prunedSigmoidTopK(logits, o, pruned.ids, pruned.weights)
  expect(pruned.ids).toEqual(full.ids)
  expect(pruned.weights).toEqual(full.weights)
}

const groupings: (GroupSelection | undefined)[] = [
  undefined,
  { numGroups: 8, topkGroup: 4, groupScore: 'top2_sum' },
  { numGroups: 8, topkGroup: 2, groupScore: 'max' },
  { numGroups: 4, topkGroup: 2, groupScore: 'topn_sum', groupTopN: 3 },
  { numGroups: 8, topkGroup: 8, groupScore: 'top2_sum' },
]

describe('pruned sigmoid top-k equals the full computation', () => {
  it('on random rows over logit scales, bias scales, groupings and k', () => {
    let seed = 0
    for (const logitScale of [0.1, 2, 40]) {
      for (const biasScale of [0, 1e-4, 0.05, 3]) {
        for (const grouping of groupings) {
          for (const k of [1, 4, 8]) {
            const prng = createPrng(seed++, 'pruned')
            const cols = 64
            const rows = 200
            const logits = Float32Array.from({ length: rows * cols }, () => prng.nextNormal() * logitScale)
            const bias = Float32Array.from({ length: cols }, () => prng.nextNormal() * biasScale)
            if (grouping === undefined && biasScale === 0) continue
            expectSamePaths(logits, rows, cols, { k, scoring: 'sigmoid', bias: biasScale === 0 ? undefined : bias, ...(grouping ? { grouping } : {}) })
          }
        }
      }
    }
  })

  it('on exact ties and one-ulp near-ties (lower id wins in both)', () => {
    const prng = createPrng(5, 'ties')
    const cols = 32
    const rows = 300
    const logits = Float32Array.from({ length: rows * cols }, () => prng.nextInt(5) - 2)
    for (let i = 0; i < logits.length; i += 3) logits[i] = Math.fround(logits[i]! + 2 ** -20 * (prng.nextInt(3) - 1))
    const bias = Float32Array.from({ length: cols }, (_, j) => (j % 4) * 0.01)
    for (const grouping of [undefined, { numGroups: 4, topkGroup: 2, groupScore: 'top2_sum' } as GroupSelection]) {
      expectSamePaths(logits, rows, cols, { k: 5, scoring: 'sigmoid', bias, ...(grouping ? { grouping } : {}) })
      expectSamePaths(logits, rows, cols, { k: 5, scoring: 'sigmoid', bias: new Float32Array(cols).fill(0.5), ...(grouping ? { grouping } : {}) })
    }
  })

  it('when group scores lie within the approximation bound (groups then chosen on exact scores)', () => {
    const prng = createPrng(11, 'group-near-ties')
    const cols = 256
    const rows = 400
    // Every logit within ±2e-3 of 1.5 (the σ table's coarsest region) and a bias below 1e-4: group scores
    // differ by far less than the approximation bound, so nearly every row takes the exact group path.
    const logits = Float32Array.from({ length: rows * cols }, () => Math.fround(1.5 + (prng.nextDouble() - 0.5) * 4e-3))
    const bias = Float32Array.from({ length: cols }, () => prng.nextNormal() * 1e-5)
    for (const grouping of [
      { numGroups: 8, topkGroup: 4, groupScore: 'top2_sum' },
      { numGroups: 8, topkGroup: 3, groupScore: 'max' },
      { numGroups: 16, topkGroup: 1, groupScore: 'top2_sum' },
    ] as GroupSelection[]) {
      for (const k of [1, 8, 16]) {
        if (k > grouping.topkGroup * (cols / grouping.numGroups)) continue
        expectSamePaths(logits, rows, cols, { k, scoring: 'sigmoid', bias, grouping })
        expectSamePaths(logits, rows, cols, { k, scoring: 'sigmoid', grouping })
      }
    }
  })

  it("hands back the winners' logits when asked", () => {
    const prng = createPrng(12, 'winner-logits')
    const rows = 50
    const cols = 64
    const k = 6
    const logits = Float32Array.from({ length: rows * cols }, () => prng.nextNormal())
    const bias = Float32Array.from({ length: cols }, () => prng.nextNormal() * 0.1)
    for (const grouping of [groupings[1]!, groupings[3]!]) {
      const o = validateTopKArguments(logits, rows, cols, { k, scoring: 'sigmoid', bias, grouping })
      const ids = new Int32Array(rows * k)
      const winners = new Float32Array(rows * k)
      prunedSigmoidTopK(logits, o, ids, new Float32Array(rows * k), winners)
      for (let i = 0; i < ids.length; i++) expect(winners[i]).toBe(logits[Math.floor(i / k) * cols + ids[i]!])
    }
  })

  test.prop([
    fc.float32Array({ minLength: 64, maxLength: 64, noNaN: true, noDefaultInfinity: true, min: -50, max: 50 }),
    fc.float32Array({ minLength: 16, maxLength: 16, noNaN: true, noDefaultInfinity: true, min: -2, max: 2 }),
    fc.integer({ min: 1, max: 8 }),
  ])('for arbitrary logits and biases (16 experts, 4 groups)', (data, bias, k) => {
    expectSamePaths(data, 4, 16, { k, scoring: 'sigmoid', bias, grouping: { numGroups: 4, topkGroup: 2, groupScore: 'top2_sum' } })
  })

  it('is not used for huge biases, 0-masks, or other scorings', () => {
    const logits = new Float32Array(16)
    const huge = new Float32Array(16).fill(1e7)
    expect(canPruneSigmoid(validateTopKArguments(logits, 1, 16, { k: 2, scoring: 'sigmoid', bias: huge }))).toBe(false)
    const grouping: GroupSelection = { numGroups: 4, topkGroup: 2, groupScore: 'max', maskValue: 0 }
    expect(canPruneSigmoid(validateTopKArguments(logits, 1, 16, { k: 2, scoring: 'sigmoid', grouping }))).toBe(false)
    expect(canPruneSigmoid(validateTopKArguments(logits, 1, 16, { k: 2, scoring: 'softmax', bias: new Float32Array(16) }))).toBe(false)
  })
})
