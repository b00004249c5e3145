import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { createReferenceBackend } from './reference-backend.ts'
import { referenceTopK } from './reference-backend-top-k.ts'
import { InvalidArgumentError, InvalidLogitsError, ShapeMismatchError, createPrng } from '@routesim/core'
import type { GroupSelection, ScoringFunction, TopKOptions } from '@routesim/core'

const backend = createReferenceBackend()

function randomLogits(seed: number, rows: number, cols: number, scale = 2): Float32Array {
  const prng = createPrng(seed, 'logits')
  return Float32Array.from({ length: rows * cols }, () => prng.nextNormal() * scale)
}

/** Sort-based float64 top-k written independently of the kernel: the spec, stated plainly. */
function naiveTopK(row: number[], options: TopKOptions): { ids: number[]; weights: number[] } {
  const cols = row.length
  let score: number[]
  if (options.scoring === 'softmax') {
    const max = Math.max(...row)
    const e = row.map((v) => Math.exp(v - max))
    const sum = e.reduce((a, b) => a + b, 0)
    score = e.map((v) => v / sum)
  } else if (options.scoring === 'sigmoid') {
    score = row.map((v) => 1 / (1 + Math.exp(-v)))
  } else {
    score = row.slice()
  }
  let select = score.map((s, j) => s + (options.bias ? options.bias[j]! : 0))
  const byValue = (values: number[]) => (a: number, b: number) => values[b]! - values[a]! || a - b
  if (options.grouping) {
    const { numGroups, topkGroup, groupScore } = options.grouping
    const size = cols / numGroups
    const n = groupScore === 'max' ? 1 : groupScore === 'top2_sum' ? 2 : options.grouping.groupTopN!
    const groupValues = Array.from({ length: numGroups }, (_, g) => {
      const members = select.slice(g * size, (g + 1) * size).sort((a, b) => b - a)
      return groupScore === 'max' ? members[0]! : members.slice(0, n).reduce((a, b) => a + b, 0)
    })
    const groups = Array.from({ length: numGroups }, (_, g) => g)
      .sort(byValue(groupValues))
      .slice(0, topkGroup)
    const mask = options.grouping.maskValue ?? -Infinity
    select = select.map((v, j) => (groups.includes(Math.floor(j / size)) ? v : mask))
  }
  const ids = Array.from({ length: cols }, (_, j) => j)
    .sort(byValue(select))
    .slice(0, options.k)
  return { ids, weights: ids.map((id) => score[id]!) }
}

function expectMatchesNaive(logits: Float32Array, rows: number, cols: number, options: TopKOptions) {
  const out = backend.topK(logits, rows, cols, options)
  for (let r = 0; r < rows; r++) {
    const expected = naiveTopK(Array.from(logits.subarray(r * cols, (r + 1) * cols)), options)
    expect(Array.from(out.ids.subarray(r * options.k, (r + 1) * options.k))).toEqual(expected.ids)
    const w = out.weights.subarray(r * options.k, (r + 1) * options.k)
    expected.weights.forEach((ew, i) => expect(w[i]).toBeCloseTo(Math.fround(ew), 6))
  }
}

describe('createReferenceBackend', () => {
  it("is named 'reference' and runs in 'reference' mode", () => {
    expect(backend.name).toBe('reference')
    expect(backend.mode).toBe('reference')
  })
})

describe('reference topK', () => {
  it('golden: softmax top-2 of [1,2,3,4] gives ids [3,2] and the unnormalized probabilities', () => {
    const { ids, weights } = backend.topK(new Float32Array([1, 2, 3, 4]), 1, 4, { k: 2, scoring: 'softmax' })
    expect(Array.from(ids)).toEqual([3, 2])
    expect(weights[0]).toBeCloseTo(0.643914, 6)
    expect(weights[1]).toBeCloseTo(0.236883, 6)
  })

  it('resolves ties to the lower expert id, for every scoring', () => {
    for (const scoring of ['softmax', 'sigmoid', 'logits'] as ScoringFunction[]) {
      const { ids } = backend.topK(new Float32Array([1, 3, 0, 3, 3, 2]), 1, 6, { k: 2, scoring })
      expect(Array.from(ids)).toEqual([1, 3])
      const biased = backend.topK(new Float32Array([0, 0, 0, 0]), 1, 4, { k: 3, scoring, bias: new Float32Array([0, 1, 0, 1]) })
      expect(Array.from(biased.ids)).toEqual([1, 3, 0])
    }
  })

  it('selects on score + bias but weights with the unbiased score', () => {
    const logits = new Float32Array([2, 0, -1, 1])
    const { ids, weights } = backend.topK(logits, 1, 4, { k: 2, scoring: 'sigmoid', bias: new Float32Array([0, 0, 5, 0]) })
    expect(Array.from(ids)).toEqual([2, 0])
    expect(weights[0]).toBeCloseTo(1 / (1 + Math.exp(1)), 6)
    expect(weights[1]).toBeCloseTo(1 / (1 + Math.exp(-2)), 6)
  })

  it('keeps only the chosen groups with a -Infinity mask, and lets masked experts win with a 0 mask', () => {
    // Groups {0,1} and {2,3}; group max picks group 1 (expert 2 = 3); the best expert of group 0 (id 1) is excluded.
    const logits = new Float32Array([0.5, 2.9, 3, -4])
    const grouping: GroupSelection = { numGroups: 2, topkGroup: 1, groupScore: 'max' }
    expect(Array.from(backend.topK(logits, 1, 4, { k: 2, scoring: 'logits', grouping }).ids)).toEqual([2, 3])
    const zeroMask = backend.topK(logits, 1, 4, { k: 2, scoring: 'logits', grouping: { ...grouping, maskValue: 0 } })
    expect(Array.from(zeroMask.ids)).toEqual([2, 0])
    expect(Array.from(zeroMask.weights)).toEqual([3, 0.5])
  })

  it('agrees with a sort-based float64 implementation on random rows, for every option combination', () => {
    const rows = 64
    let seed = 1
    for (const scoring of ['softmax', 'sigmoid', 'logits'] as ScoringFunction[]) {
      for (const cols of [1, 7, 32]) {
        for (const k of [1, Math.min(3, cols), cols]) {
          const logits = randomLogits(seed++, rows, cols)
          expectMatchesNaive(logits, rows, cols, { k, scoring })
          const bias = randomLogits(seed++, 1, cols, 0.3)
          expectMatchesNaive(logits, rows, cols, { k, scoring, bias })
        }
      }
      const cols = 32
      const logits = randomLogits(seed++, rows, cols)
      const bias = randomLogits(seed++, 1, cols, 0.3)
      for (const grouping of [
        { numGroups: 4, topkGroup: 2, groupScore: 'max' },
        { numGroups: 8, topkGroup: 3, groupScore: 'top2_sum' },
        { numGroups: 4, topkGroup: 2, groupScore: 'topn_sum', groupTopN: 3 },
        { numGroups: 4, topkGroup: 1, groupScore: 'top2_sum', maskValue: 0 },
      ] as GroupSelection[]) {
        expectMatchesNaive(logits, rows, cols, { k: 4, scoring, grouping })
        expectMatchesNaive(logits, rows, cols, { k: 4, scoring, grouping, bias })
      }
    }
  })

  test.prop([fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 1e6 })])(
    'ids are distinct per row and ordered by descending score',
    (cols, kRaw, seed) => {
      const k = Math.min(kRaw, cols)
      const logits = randomLogits(seed, 4, cols)
      const { ids, weights } = backend.topK(logits, 4, cols, { k, scoring: 'softmax' })
      for (let r = 0; r < 4; r++) {
        const row = Array.from(ids.subarray(r * k, (r + 1) * k))
        expect(new Set(row).size).toBe(k)
        for (let i = 1; i < k; i++) expect(weights[r * k + i]!).toBeLessThanOrEqual(weights[r * k + i - 1]!)
      }
    },
  )

  it('zero-fills weights when they are not needed, with the same ids', () => {
    const logits = randomLogits(9, 8, 16)
    const full = backend.topK(logits, 8, 16, { k: 4, scoring: 'softmax' })
    const lean = backend.topK(logits, 8, 16, { k: 4, scoring: 'softmax', needWeights: false })
    expect(lean.ids).toEqual(full.ids)
    expect(lean.weights.every((w) => w === 0)).toBe(true)
  })

  it("hands back the winners' logits on request, on every kernel path, with the same ids", () => {
    const rows = 40
    const cols = 32
    const k = 5
    const logits = randomLogits(21, rows, cols)
    const bias = Float32Array.from({ length: cols }, (_, j) => ((j * 7) % 5) * 0.03)
    const grouping: GroupSelection = { numGroups: 4, topkGroup: 2, groupScore: 'top2_sum' }
    const cases: TopKOptions[] = [
      { k, scoring: 'softmax', needWeights: false },
      { k, scoring: 'logits' },
      { k, scoring: 'sigmoid', grouping: { numGroups: 4, topkGroup: 2, groupScore: 'max' } },
      { k, scoring: 'sigmoid', bias, grouping },
      { k, scoring: 'sigmoid', bias },
      { k, scoring: 'softmax', bias, grouping: { ...grouping, maskValue: 0 } },
    ]
    for (const options of cases) {
      const winners = new Float32Array(rows * k)
      const withWinners = referenceTopK(logits, rows, cols, options, winners)
      expect(withWinners.ids).toEqual(backend.topK(logits, rows, cols, options).ids)
      for (let i = 0; i < rows * k; i++) expect(winners[i]).toBe(logits[Math.floor(i / k) * cols + withWinners.ids[i]!])
    }
    expect(() => referenceTopK(logits, rows, cols, cases[0]!, new Float32Array(rows * k - 1))).toThrow(InvalidArgumentError)
  })

  it('handles zero rows', () => {
    const { ids, weights } = backend.topK(new Float32Array(0), 0, 8, { k: 2, scoring: 'softmax' })
    expect(ids.length).toBe(0)
    expect(weights.length).toBe(0)
  })

  it('rejects bad input with typed errors naming the parameter', () => {
    const logits = new Float32Array(8)
    const call =
      (options: Partial<TopKOptions>, data: Float32Array = logits, rows = 2, cols = 4) =>
      () =>
        backend.topK(data, rows, cols, { k: 2, scoring: 'softmax', ...options } as TopKOptions)
    expect(call({ k: 0 })).toThrow(InvalidArgumentError)
    expect(call({ k: 5 })).toThrow(/options\.k/)
    expect(call({ scoring: 'relu' as ScoringFunction })).toThrow(/options\.scoring/)
    expect(call({ bias: new Float32Array(3) })).toThrow(/options\.bias/)
    expect(call({ grouping: { numGroups: 3, topkGroup: 1, groupScore: 'max' } })).toThrow(/divisor/)
    expect(call({ grouping: { numGroups: 2, topkGroup: 3, groupScore: 'max' } })).toThrow(/topkGroup/)
    expect(call({ k: 3, grouping: { numGroups: 2, topkGroup: 1, groupScore: 'max' } })).toThrow(/options\.k/)
    expect(call({ grouping: { numGroups: 4, topkGroup: 2, groupScore: 'top2_sum' } })).toThrow(/top-2/)
    expect(call({}, new Float32Array(7))).toThrow(ShapeMismatchError)
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (const options of [
        {},
        { bias: new Float32Array(4) },
        { scoring: 'sigmoid', grouping: { numGroups: 2, topkGroup: 1, groupScore: 'top2_sum' } },
        { scoring: 'sigmoid', bias: new Float32Array(4), grouping: { numGroups: 2, topkGroup: 2, groupScore: 'max' } },
      ] as Partial<TopKOptions>[]) {
        const data = new Float32Array(8)
        data[6] = bad
        let error: unknown
        try {
          call(options, data)()
        } catch (e) {
          error = e
        }
        expect(InvalidLogitsError.isInstance(error)).toBe(true)
        expect(error).toMatchObject({ row: 1, column: 2 })
      }
    }
  })
})

describe('reference histogram', () => {
  it('long arrays (the split path) count exactly as one plain loop, odd lengths included', () => {
    const prng = createPrng(5, 'histogram')
    for (const [length, experts] of [
      [4099, 7],
      [100_003, 256],
      [2048, 512],
    ] as const) {
      const ids = new Int32Array(length)
      for (let i = 0; i < length; i++) ids[i] = prng.nextInt(3) === 0 ? 1 : prng.nextInt(experts)
      const plain = new Int32Array(experts)
      for (const id of ids) plain[id]!++
      expect(backend.histogram(ids, experts)).toEqual(plain)
    }
  })

  it('long arrays name the first bad id, whichever side of the range it leaves', () => {
    const ids = new Int32Array(5000).fill(3)
    ids[4321] = 8
    ids[4500] = -2
    expect(() => backend.histogram(ids, 8)).toThrow(/ids\[4321\]/)
    ids[4321] = 0
    expect(() => backend.histogram(ids, 8)).toThrow(/ids\[4500\]/)
  })

  it('counts every id exactly and rejects ids out of range', () => {
    const ids = new Int32Array([0, 3, 3, 1, 3, 0])
    expect(Array.from(backend.histogram(ids, 5))).toEqual([2, 1, 0, 3, 0])
    expect(() => backend.histogram(new Int32Array([0, 5]), 5)).toThrow(/ids\[1\]/)
    expect(() => backend.histogram(new Int32Array([-1]), 5)).toThrow(InvalidArgumentError)
    expect(() => backend.histogram(ids, 0)).toThrow(/numExperts/)
  })
})

describe('reference sampleIds', () => {
  it('is a pure function of its options (same seed ⇒ same ids, other seed ⇒ other ids)', () => {
    for (const kind of ['uniform_iid', 'uniform_distinct', 'categorical_distinct'] as const) {
      const weights = kind === 'categorical_distinct' ? Float64Array.from({ length: 16 }, (_, j) => 1 / (j + 1)) : undefined
      const options = { kind, rows: 50, numExperts: 16, k: 4, seed: 7, weights }
      expect(backend.sampleIds(options)).toEqual(backend.sampleIds(options))
      expect(backend.sampleIds({ ...options, seed: 8 })).not.toEqual(backend.sampleIds(options))
    }
  })

  it('gives distinct ids per row for the distinct kinds and never picks a zero-weight expert', () => {
    const weights = new Float64Array([0, 1, 2, 0, 3, 4])
    const ids = backend.sampleIds({ kind: 'categorical_distinct', rows: 500, numExperts: 6, k: 4, seed: 1, weights })
    const uniform = backend.sampleIds({ kind: 'uniform_distinct', rows: 500, numExperts: 6, k: 6, seed: 1 })
    for (let r = 0; r < 500; r++) {
      expect(new Set(ids.subarray(r * 4, r * 4 + 4)).size).toBe(4)
      expect(new Set(uniform.subarray(r * 6, r * 6 + 6)).size).toBe(6)
    }
    expect(ids.every((id) => id !== 0 && id !== 3)).toBe(true)
  })

  it('rejects impossible requests', () => {
    const base = { rows: 1, numExperts: 4, k: 2, seed: 0 }
    expect(() => backend.sampleIds({ ...base, kind: 'uniform_distinct', k: 5 })).toThrow(/options\.k/)
    expect(() => backend.sampleIds({ ...base, kind: 'bogus' as 'uniform_iid' })).toThrow(/options\.kind/)
    expect(() => backend.sampleIds({ ...base, kind: 'categorical_distinct' })).toThrow(/options\.weights/)
    expect(() => backend.sampleIds({ ...base, kind: 'categorical_distinct', weights: new Float64Array([1, 0, 0, 0]) })).toThrow(/positive weights/)
    expect(() => backend.sampleIds({ ...base, kind: 'categorical_distinct', weights: new Float64Array([1, -1, 1, 1]) })).toThrow(/weights\[1\]/)
    expect(() => backend.sampleIds({ ...base, kind: 'uniform_iid', seed: 0.5 })).toThrow(/options\.seed/)
  })
})
