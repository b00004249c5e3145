import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { InvalidArgumentError, ShapeMismatchError, createPrng } from '@routesim/core'
import { sampleNormalRowWeights } from './normal-row-weights.ts'
import { sampleNormal, zigguratWords } from './normal.ts'
import { chiSquareTest, normalCdf } from './special-functions.ts'
import { WordBlocks } from './word-blocks.ts'
import { fillHalfNormals } from './ziggurat.ts'
import { countRejections } from '../test/statistics.ts'

describe('sampleNormalRowWeights', () => {
  test.prop([
    fc.integer({ min: 0, max: 50 }),
    fc.integer({ min: 1, max: 12 }),
    fc.double({ min: -3, max: 3, noNaN: true }),
    fc.double({ min: 0.01, max: 3, noNaN: true }),
    fc.integer(),
  ])('rows are non-negative and sum to 1 (float32 rounding)', (rows, k, mean, std, seed) => {
    const w = sampleNormalRowWeights(new Float32Array(rows * k), rows, k, mean, std, createPrng(seed))
    for (let r = 0; r < rows; r++) {
      let sum = 0
      for (let i = 0; i < k; i++) {
        expect(w[r * k + i]).toBeGreaterThanOrEqual(0)
        sum += w[r * k + i]!
      }
      expect(Math.abs(sum - 1)).toBeLessThan(1e-6 * k)
    }
  })

  it('is |z|/Σ|z| of the sampleNormal stream, across chunk boundaries (odd k)', () => {
    const rows = 5000
    const k = 3
    const w = sampleNormalRowWeights(new Float32Array(rows * k), rows, k, 0.5, 2, createPrng(12))
    const z = sampleNormal(new Float64Array(rows * k), 0.5, 2, createPrng(12))
    for (const r of [0, 4095, 4096, 4999]) {
      const s = Math.abs(z[r * k]!) + Math.abs(z[r * k + 1]!) + Math.abs(z[r * k + 2]!)
      expect(w[r * k + 1]).toBe(Math.fround(Math.abs(z[r * k + 1]!) / s))
    }
  })

  it('slots are exchangeable: each slot averages 1/k', () => {
    const rows = 100_000
    const w = sampleNormalRowWeights(new Float32Array(rows * 4), rows, 4, 0, 1, createPrng(3))
    for (let i = 0; i < 4; i++) {
      let mean = 0
      for (let r = 0; r < rows; r++) mean += w[r * 4 + i]!
      expect(mean / rows).toBeCloseTo(0.25, 2)
    }
  })

  it.each([8, 3])('mean 0 (k = %i): is n/Σn of the half-normal ziggurat stream', (k) => {
    const rows = 3000
    const w = sampleNormalRowWeights(new Float32Array(rows * k), rows, k, 0, 2.5, createPrng(13))
    const n = new Float64Array(rows * k)
    fillHalfNormals(n, 0, n.length, new WordBlocks(createPrng(13), zigguratWords(rows * k)))
    for (const r of [0, 1023, 1024, 2999]) {
      const row = n.subarray(r * k, r * k + k)
      const sum = row.reduce((s, v) => s + v, 0)
      for (let i = 0; i < k; i++) expect(w[r * k + i]).toBeCloseTo(row[i]! / sum, 7)
    }
  })

  // For half-normal a, b: a/b is |Cauchy|, so P(a/(a+b) ≤ s) = (2/π)·atan(s/(1−s)).
  it.each([
    [8, 0, 1],
    [3, 0, 0.2],
  ])('mean 0: w0/(w0+w1) follows the ratio law of |z′| (k = %i, mean %d, std %d; χ² over 20 bins, 40 seeds)', (k, mean, std) => {
    const probabilities = new Float64Array(20)
    const law = (s: number) => (2 / Math.PI) * Math.atan(s / (1 - s))
    for (let b = 0; b < 20; b++) probabilities[b] = (b === 19 ? 1 : law((b + 1) / 20)) - law(b / 20)
    const rows = 20_000
    const rejected = countRejections(40, (seed) => {
      const w = sampleNormalRowWeights(new Float32Array(rows * k), rows, k, mean, std, createPrng(seed, 'ratio'))
      const counts = new Float64Array(20)
      for (let r = 0; r < rows; r++) counts[Math.min(19, Math.floor((20 * w[r * k]!) / (w[r * k]! + w[r * k + 1]!)))]!++
      return chiSquareTest(counts, probabilities).pValue
    })
    expect(rejected).toBeLessThanOrEqual(3)
  })

  it('half-normal ziggurat: follows 2Φ − 1 (χ² over 0.25-wide bins to 4, then > 4; 40 seeds) and its tail beyond R', () => {
    const edges = Array.from({ length: 16 }, (_, i) => 0.25 * (i + 1))
    const probabilities = Float64Array.from(
      { length: 17 },
      (_, b) => (b < 16 ? 2 * normalCdf(edges[b]!) - 1 : 1) - (b === 0 ? 0 : 2 * normalCdf(edges[b - 1]!) - 1),
    )
    const rejected = countRejections(40, (seed) => {
      const n = new Float64Array(50_000)
      fillHalfNormals(n, 0, n.length, new WordBlocks(createPrng(seed, 'half'), zigguratWords(n.length)))
      const counts = new Float64Array(17)
      for (const v of n) counts[Math.min(16, Math.floor(v * 4))]!++
      return chiSquareTest(counts, probabilities).pValue
    })
    expect(rejected).toBeLessThanOrEqual(3)
    const count = 4_000_000
    const n = new Float64Array(count)
    fillHalfNormals(n, 0, count, new WordBlocks(createPrng(41), zigguratWords(count)))
    let m1 = 0
    let m2 = 0
    let min = Infinity
    for (const v of n) {
      m1 += v
      m2 += v * v
      min = Math.min(min, v)
    }
    expect(min).toBeGreaterThan(0)
    expect(Math.abs(m1 / count - Math.sqrt(2 / Math.PI))).toBeLessThan(5 * Math.sqrt((1 - 2 / Math.PI) / count))
    expect(Math.abs(m2 / count - 1)).toBeLessThan(5 * Math.sqrt(2 / count))
    for (const cut of [3.442619855899, 4.5]) {
      let beyond = 0
      for (const v of n) if (v > cut) beyond++
      const p = 2 * (1 - normalCdf(cut))
      expect(Math.abs(beyond - count * p)).toBeLessThan(5 * Math.sqrt(count * p) + 1)
    }
  })

  it('rejects bad arguments with typed errors', () => {
    const prng = createPrng(0)
    expect(() => sampleNormalRowWeights(new Float32Array(4), 2, 2, 0, 0, prng)).toThrow(InvalidArgumentError)
    expect(() => sampleNormalRowWeights(new Float32Array(5), 2, 2, 0, 1, prng)).toThrow(ShapeMismatchError)
    expect(() => sampleNormalRowWeights(new Float64Array(4) as never, 2, 2, 0, 1, prng)).toThrow(/Allowed: a Float32Array/)
  })
})
