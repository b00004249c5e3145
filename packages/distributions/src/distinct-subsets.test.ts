import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { InvalidArgumentError, ShapeMismatchError, createPrng } from '@routesim/core'
import { sampleDistinctSubsets } from './distinct-subsets.ts'
import { WordBlocks } from './word-blocks.ts'
import { chiSquareSurvival, chiSquareTest } from './special-functions.ts'
import { countRejections, tally, uniformProbabilities } from '../test/statistics.ts'

function rowsAreDistinct(ids: Int32Array, k: number): boolean {
  for (let base = 0; base < ids.length; base += k) {
    if (new Set(ids.subarray(base, base + k)).size !== k) return false
  }
  return true
}

// (E, k) pairs that take each code path: bit slices (4k ≤ E = 2^b ≤ 2^16), half-word rejection
// (4k ≤ E ≤ 4096), full-word rejection (E > 4096, k ≤ 16), dense Fisher–Yates (4k > E or k > 16),
// sparse Fisher–Yates (E > 2^21).
const PATHS = { bitSlice: [64, 8], halfWord: [60, 8], fullWord: [5000, 4], dense: [16, 12], sparse: [2 ** 21 + 5, 20] } as const

/** The bit-slice law written out slice by slice: b-bit slices of each block word, low first, a repeat in the row redrawn. */
function bitSliceReference(rows: number, n: number, k: number, prng: ReturnType<typeof createPrng>): Int32Array {
  const bits = 31 - Math.clz32(n)
  const perWord = Math.floor(32 / bits)
  const blocks = new WordBlocks(prng, Math.ceil((rows * k) / perWord))
  const out = new Int32Array(rows * k)
  let o = 0
  let w = 0
  let left = 0
  let pos = 0
  let end = 0
  for (let r = 0; r < rows; r++) {
    const row = new Set<number>()
    while (row.size < k) {
      if (left === 0) {
        if (pos === end) {
          end = blocks.refill()
          pos = 0
        }
        w = blocks.buffer[pos++]!
        left = perWord
      }
      const id = w & (n - 1)
      w = Math.floor(w / n)
      left--
      if (row.has(id)) continue
      row.add(id)
      out[o++] = id
    }
  }
  return out
}

describe('sampleDistinctSubsets', () => {
  // E = 256, k = 8 takes a path of its own (a row's 8 bytes tested for repeats in registers): same ids and words as the plain law.
  test.prop([fc.integer({ min: 0, max: 5000 }), fc.integer(), fc.constantFrom(8, 4)])(
    'bit slices: the same ids and the same words consumed as drawing slice by slice (E = 256, k = 8 and 4)',
    (rows, seed, k) => {
      const fast = createPrng(seed)
      const plain = createPrng(seed)
      const ids = sampleDistinctSubsets(new Int32Array(rows * k), rows, 256, k, fast)
      expect(ids).toEqual(bitSliceReference(rows, 256, k, plain))
      expect(fast.getState()).toEqual(plain.getState())
    },
  )

  test.prop([
    fc.integer({ min: 1, max: 300 }).chain((e) => fc.tuple(fc.constant(e), fc.integer({ min: 1, max: e }))),
    fc.integer({ min: 0, max: 40 }),
    fc.integer(),
  ])('each row holds k distinct ids in [0, E)', ([e, k], rows, seed) => {
    const ids = sampleDistinctSubsets(new Int32Array(rows * k), rows, e, k, createPrng(seed))
    expect(ids.every((v) => v >= 0 && v < e)).toBe(true)
    expect(rowsAreDistinct(ids, k)).toBe(true)
  })

  it.each(Object.entries(PATHS))('%s path: distinct, in range, deterministic', (_, [e, k]) => {
    const a = sampleDistinctSubsets(new Int32Array(200 * k), 200, e, k, createPrng(5))
    const b = sampleDistinctSubsets(new Int32Array(200 * k), 200, e, k, createPrng(5))
    expect(a).toEqual(b)
    expect(a.every((v) => v >= 0 && v < e)).toBe(true)
    expect(rowsAreDistinct(a, k)).toBe(true)
  })

  it('k = E gives a uniformly random permutation per row', () => {
    const ids = sampleDistinctSubsets(new Int32Array(50 * 9), 50, 9, 9, createPrng(2))
    for (let r = 0; r < 50; r++) expect([...ids.subarray(r * 9, r * 9 + 9)].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8])
  })

  // Every ordered k-tuple equally likely ⇔ subsets uniform and order uniformly random.
  it.each([
    ['bit-slice rejection', 16, 3],
    ['half-word rejection', 12, 3],
    ['dense Fisher–Yates', 6, 3],
  ] as const)('%s: ordered tuples are uniform (χ² over all E!/(E−k)! tuples, 40 seeds)', (_, e, k) => {
    const cells = e * (e - 1) * (e - 2)
    const rows = cells * 10
    const rejected = countRejections(40, (seed) => {
      const ids = sampleDistinctSubsets(new Int32Array(rows * k), rows, e, k, createPrng(seed, 'tuples'))
      const codes = new Int32Array(rows)
      for (let r = 0; r < rows; r++) {
        const [a, b, c] = [ids[r * 3]!, ids[r * 3 + 1]!, ids[r * 3 + 2]!]
        // Rank the ordered triple among the e(e−1)(e−2) possible ones.
        const bb = b - (b > a ? 1 : 0)
        const cc = c - (c > a ? 1 : 0) - (c > b ? 1 : 0)
        codes[r] = (a * (e - 1) + bb) * (e - 2) + cc
      }
      return chiSquareTest(tally(codes, cells), uniformProbabilities(cells)).pValue
    })
    expect(rejected).toBeLessThanOrEqual(3)
  })

  it.each(Object.entries(PATHS).filter(([name]) => name !== 'sparse'))(
    '%s path: per-expert frequencies are uniform (χ² corrected for k distinct per row, 40 seeds)',
    (_, [e, k]) => {
      const rows = Math.ceil((e * (e > 1000 ? 60 : 200)) / k)
      const rejected = countRejections(40, (seed) => {
        const ids = sampleDistinctSubsets(new Int32Array(rows * k), rows, e, k, createPrng(seed, 'experts'))
        const counts = tally(ids, e)
        const expected = (rows * k) / e
        let x2 = 0
        for (const c of counts) x2 += (c - expected) ** 2 / expected
        // Each row holds an expert at most once, so Var(count) = rows·(k/E)(1−k/E):
        // X²·(E−1)/(E−k) ~ χ²(E−1) (the covariance is a multiple of the centring projection).
        return chiSquareSurvival((x2 * (e - 1)) / (e - k), e - 1)
      })
      expect(rejected).toBeLessThanOrEqual(3)
    },
  )

  it.each(Object.entries(PATHS).filter(([name]) => name !== 'sparse'))(
    '%s path: pair frequencies are uniform (unordered pairs of slots 0 and 1, 40 seeds)',
    (_, [e, k]) => {
      const n = Math.min(e, 200) // the full-word path draws over 5000 experts: fold ids into 200 classes
      const cells = (n * (n - 1)) / 2
      const rows = cells * 16
      const fold = new Float64Array(n)
      for (let id = 0; id < e; id++) fold[id % n]!++
      // Exact probability of a pair of classes {x, y}: 2·|x|·|y| / (E(E−1)) (|x| ids in class x).
      const probabilities = new Float64Array(cells)
      for (let x = 0, c = 0; x < n; x++) for (let y = x + 1; y < n; y++) probabilities[c++] = (2 * fold[x]! * fold[y]!) / (e * (e - 1))
      // Pairs of two ids in the same class are possible when E > n; they are left out, so renormalise.
      const total = probabilities.reduce((s, p) => s + p, 0)
      for (let c = 0; c < cells; c++) probabilities[c]! /= total
      const rejected = countRejections(40, (seed) => {
        const ids = sampleDistinctSubsets(new Int32Array(rows * k), rows, e, k, createPrng(seed, 'pairs'))
        const counts = new Float64Array(cells)
        for (let r = 0; r < rows; r++) {
          let x = ids[r * k]! % n
          let y = ids[r * k + 1]! % n
          if (x === y) continue
          if (x > y) [x, y] = [y, x]
          counts[x * n - (x * (x + 1)) / 2 + (y - x - 1)]!++
        }
        return chiSquareTest(counts, probabilities).pValue
      })
      expect(rejected).toBeLessThanOrEqual(3)
    },
  )

  it('every slot position is uniform (random order, not sorted), E = 256, k = 8', () => {
    const rows = 256 * 20
    const rejected = countRejections(40, (seed) => {
      const ids = sampleDistinctSubsets(new Int32Array(rows * 8), rows, 256, 8, createPrng(seed, 'slots'))
      let worst = 1
      for (let slot = 0; slot < 8; slot++) {
        const column = new Int32Array(rows)
        for (let r = 0; r < rows; r++) column[r] = ids[r * 8 + slot]!
        worst = Math.min(worst, chiSquareTest(tally(column, 256), uniformProbabilities(256)).pValue * 8) // Bonferroni
      }
      return worst
    })
    expect(rejected).toBeLessThanOrEqual(3)
  })

  it('rejects bad arguments with typed errors', () => {
    const prng = createPrng(0)
    expect(() => sampleDistinctSubsets(new Int32Array(9), 1, 8, 9, prng)).toThrow(InvalidArgumentError)
    expect(() => sampleDistinctSubsets(new Int32Array(9), 1, 8, 9, prng)).toThrow(
      'Invalid k: 9. Allowed: an integer in [1, 8] (k distinct ids need k ≤ numExperts).',
    )
    expect(() => sampleDistinctSubsets(new Int32Array(0), 1, 8, 0, prng)).toThrow(/Invalid k: 0/)
    expect(() => sampleDistinctSubsets(new Int32Array(4), 2, 0, 2, prng)).toThrow(/Invalid numExperts: 0/)
    expect(() => sampleDistinctSubsets(new Int32Array(4), -1, 8, 2, prng)).toThrow(/Invalid rows: -1/)
    expect(() => sampleDistinctSubsets(new Int32Array(5), 2, 8, 2, prng)).toThrow(ShapeMismatchError)
    expect(() => sampleDistinctSubsets(new Uint32Array(4) as never, 2, 8, 2, prng)).toThrow(/Allowed: an Int32Array/)
  })
})
