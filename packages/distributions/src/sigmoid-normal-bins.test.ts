import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { InvalidArgumentError, createPrng } from '@routesim/core'
import { sampleSigmoidNormalBins, sampleSigmoidNormalBinsDistinct, sigmoidNormalBinProbabilities } from './sigmoid-normal-bins.ts'
import { sigmoidBin } from './sigmoid-bin-table.ts'
import { sampleNormal } from './normal.ts'
import { chiSquareTest, normalCdf } from './special-functions.ts'
import { countRejections, tally } from '../test/statistics.ts'

describe('sigmoidNormalBinProbabilities', () => {
  test.prop([fc.integer({ min: 1, max: 512 }), fc.double({ min: -4, max: 4, noNaN: true }), fc.double({ min: 0.05, max: 4, noNaN: true })])(
    'is a probability vector (non-negative, sums to 1)',
    (e, mean, std) => {
      const p = sigmoidNormalBinProbabilities(e, mean, std)
      expect(p.every((v) => v >= 0)).toBe(true)
      expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12)
    },
  )

  it('is the Φ formula of anchors-domain b.3: hottest expert ≈ 1.596× mean load for N(0,1), E = 256', () => {
    const p = sigmoidNormalBinProbabilities(256, 0, 1)
    const logit = (x: number) => Math.log(x / (1 - x))
    expect(p[100]).toBeCloseTo(normalCdf(logit(101 / 256)) - normalCdf(logit(100 / 256)), 15)
    expect(Math.max(...p) * 256).toBeCloseTo(1.596, 2)
    expect(p[0]! * 256).toBeLessThan(1e-3)
  })
})

describe('sampleSigmoidNormalBins (the seed formula, duplicates allowed)', () => {
  it('maps each z through clamp(floor(sigmoid(z)·E), 0, E−1), drawing exactly the sampleNormal stream', () => {
    const ids = sampleSigmoidNormalBins(new Int32Array(20_001), 16, 0.3, 2, createPrng(6))
    const z = sampleNormal(new Float64Array(20_001), 0.3, 2, createPrng(6))
    expect(Array.from(ids)).toEqual(Array.from(z, (v) => sigmoidBin(v, 16)))
    expect(sigmoidBin(1000, 16)).toBe(15)
    expect(sigmoidBin(-1000, 16)).toBe(0)
  })

  it.each([
    [256, 0, 1],
    [256, 0, 3],
    [64, 0, 1],
    [200, 0, 1.5],
    [2, 0, 1],
    [16, 2, 0.5],
    [6, 2, 0.5],
    [512, 0, 1],
  ])('ids follow P(id=j) = Φ((logit((j+1)/E)−μ)/σ) − Φ((logit(j/E)−μ)/σ): E=%i μ=%d σ=%d, 40 seeds', (e, mean, std) => {
    const p = sigmoidNormalBinProbabilities(e, mean, std)
    const rejected = countRejections(40, (seed) => {
      const ids = sampleSigmoidNormalBins(new Int32Array(40_000), e, mean, std, createPrng(seed, 'bins'))
      return chiSquareTest(tally(ids, e), p).pValue
    })
    expect(rejected).toBeLessThanOrEqual(3)
  })
})

describe('sampleSigmoidNormalBins: the mean-0 alias path', () => {
  it('matches P at the seed defaults with 4M draws (χ² with the sparse edge bins pooled, and the hottest bin)', () => {
    const e = 256
    const p = sigmoidNormalBinProbabilities(e, 0, 1)
    const n = 4_000_000
    const ids = sampleSigmoidNormalBins(new Int32Array(n + 1), e, 0, 1, createPrng(77, 'alias'))
    const counts = tally(ids.subarray(0, n), e)
    // Pool the outer bins until each pooled cell expects ≥ 20 draws.
    let edge = 0
    let mass = 0
    while ((mass + p[edge]! + p[e - 1 - edge]!) * n < 20) mass += p[edge]! + p[e - 1 - edge++]!
    const pooledP = [mass + p[edge]! + p[e - 1 - edge]!]
    let pooledCount = 0
    for (let j = 0; j <= edge; j++) pooledCount += counts[j]! + counts[e - 1 - j]!
    const pooledCounts = [pooledCount]
    for (let j = edge + 1; j < e - 1 - edge; j++) {
      pooledP.push(p[j]!)
      pooledCounts.push(counts[j]!)
    }
    expect(chiSquareTest(Float64Array.from(pooledCounts), Float64Array.from(pooledP)).pValue).toBeGreaterThan(1e-4)
    const hottest = p.indexOf(Math.max(...p))
    expect(Math.abs(counts[hottest]! - n * p[hottest]!)).toBeLessThan(5 * Math.sqrt(n * p[hottest]!))
  })

  it('same seed, same ids; successive calls continue the stream; odd lengths are whole draws', () => {
    const a = sampleSigmoidNormalBins(new Int32Array(10_001), 256, 0, 1, createPrng(5))
    expect(sampleSigmoidNormalBins(new Int32Array(10_001), 256, 0, 1, createPrng(5))).toEqual(a)
    const prng = createPrng(5)
    const first = sampleSigmoidNormalBins(new Int32Array(7), 256, 0, 1, prng)
    const second = sampleSigmoidNormalBins(new Int32Array(7), 256, 0, 1, prng)
    expect(first).not.toEqual(second)
    expect(a.every((v) => v >= 0 && v < 256)).toBe(true)
  })

  it('keeps the ziggurat map where a bin is too rare for the alias table (E = 256, σ = 0.5)', () => {
    const ids = sampleSigmoidNormalBins(new Int32Array(5000), 256, 0, 0.5, createPrng(6))
    const z = sampleNormal(new Float64Array(5000), 0, 0.5, createPrng(6))
    expect(Array.from(ids)).toEqual(Array.from(z, (v) => sigmoidBin(v, 256)))
  })
})

/** P(ordered tuple) under successive sampling without replacement from p. */
function successiveProbability(p: Float64Array, tuple: readonly number[]): number {
  let prob = 1
  let left = 1
  for (const id of tuple) {
    if (p[id] === 0) return 0
    prob *= p[id]! / left
    left -= p[id]!
  }
  return prob
}

describe('sampleSigmoidNormalBinsDistinct', () => {
  test.prop([
    fc.integer({ min: 1, max: 64 }).chain((e) => fc.tuple(fc.constant(e), fc.integer({ min: 1, max: e }))),
    fc.integer({ min: 0, max: 20 }),
    fc.double({ min: -8, max: 8, noNaN: true }),
    fc.double({ min: 0.01, max: 3, noNaN: true }),
    fc.integer(),
  ])('rows are k distinct ids in [0, E), even when one expert holds almost all the mass', ([e, k], rows, mean, std, seed) => {
    const ids = sampleSigmoidNormalBinsDistinct(new Int32Array(rows * k), rows, e, k, mean, std, createPrng(seed))
    expect(ids.every((v) => v >= 0 && v < e)).toBe(true)
    for (let r = 0; r < rows; r++) expect(new Set(ids.subarray(r * k, r * k + k)).size).toBe(k)
  })

  it.each([
    ['moderate skew', 6, 2, 0.5],
    ['a dominant expert (the third slot needs the exact fallback)', 6, 2.5, 0.4],
  ] as const)('%s: ordered triples follow successive sampling from P (χ² over 120 tuples, 40 seeds)', (_, e, mean, std) => {
    const p = sigmoidNormalBinProbabilities(e, mean, std)
    const tuples: number[][] = []
    for (let a = 0; a < e; a++) for (let b = 0; b < e; b++) for (let c = 0; c < e; c++) if (a !== b && b !== c && a !== c) tuples.push([a, b, c])
    const probabilities = Float64Array.from(tuples, (t) => successiveProbability(p, t))
    const index = new Int32Array(e * e * e).fill(-1)
    tuples.forEach(([a, b, c], i) => (index[(a! * e + b!) * e + c!] = i))
    const rows = 10_000
    const rejected = countRejections(40, (seed) => {
      const ids = sampleSigmoidNormalBinsDistinct(new Int32Array(rows * 3), rows, e, 3, mean, std, createPrng(seed, 'distinct'))
      const counts = new Float64Array(tuples.length)
      for (let r = 0; r < rows; r++) {
        counts[index[(ids[r * 3]! * e + ids[r * 3 + 1]!) * e + ids[r * 3 + 2]!]!]!++
      }
      return chiSquareTest(counts, probabilities).pValue
    })
    expect(rejected).toBeLessThanOrEqual(3)
  })

  it('takes the nearest remaining bins when the rest of the mass underflows', () => {
    // sigmoid(40) rounds to 1: every draw lands in the last bin, the others have probability ~e^−800.
    const ids = sampleSigmoidNormalBinsDistinct(new Int32Array(4), 1, 4, 4, 40, 0.01, createPrng(1))
    expect(Array.from(ids)).toEqual([3, 2, 1, 0])
  })

  it('rejects k > E and non-positive std with typed errors', () => {
    const prng = createPrng(0)
    expect(() => sampleSigmoidNormalBinsDistinct(new Int32Array(5), 1, 4, 5, 0, 1, prng)).toThrow(InvalidArgumentError)
    expect(() => sampleSigmoidNormalBinsDistinct(new Int32Array(5), 1, 4, 5, 0, 1, prng)).toThrow(/Invalid k: 5/)
    expect(() => sampleSigmoidNormalBinsDistinct(new Int32Array(2), 1, 4, 2, 0, 0, prng)).toThrow('Invalid std: 0. Allowed: a finite number in (0, ∞).')
    expect(() => sampleSigmoidNormalBins(new Int32Array(2), 4, Infinity, 1, prng)).toThrow(/Invalid mean: Infinity/)
  })
})
