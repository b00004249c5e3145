import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { InvalidArgumentError, createPrng } from '@routesim/core'
import { NORMAL_METHODS, sampleNormal } from './normal.ts'
import { chiSquareTest, normalCdf } from './special-functions.ts'
import { countRejections } from '../test/statistics.ts'

describe('sampleNormal', () => {
  test.prop([fc.integer({ min: 0, max: 99 }), fc.integer(), fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true })])(
    'same seed, same draws; all finite (determinism)',
    (length, seed, mean, std) => {
      const a = sampleNormal(new Float64Array(length), mean, std, createPrng(seed))
      const b = sampleNormal(new Float64Array(length), mean, std, createPrng(seed))
      expect(a).toEqual(b)
      expect(a.every(Number.isFinite)).toBe(true)
    },
  )

  it.each(NORMAL_METHODS)('%s: a shorter call draws a prefix of a longer one (Box–Muller keeps both outputs)', (method) => {
    const even = sampleNormal(new Float64Array(10), 0, 1, createPrng(4), { method })
    const odd = sampleNormal(new Float64Array(9), 0, 1, createPrng(4), { method })
    expect(Array.from(odd)).toEqual(Array.from(even.subarray(0, 9)))
  })

  it.each(NORMAL_METHODS)('%s: has the requested moments (mean, variance, skewness, kurtosis of 400k draws)', (method) => {
    const z = sampleNormal(new Float64Array(400_000), 2, 0.5, createPrng(8), { method })
    let m1 = 0
    for (const v of z) m1 += v
    m1 /= z.length
    let m2 = 0
    let m3 = 0
    let m4 = 0
    for (const v of z) {
      const d = v - m1
      m2 += d * d
      m3 += d * d * d
      m4 += d * d * d * d
    }
    m2 /= z.length
    m3 /= z.length
    m4 /= z.length
    expect(Math.abs(m1 - 2)).toBeLessThan((5 * 0.5) / Math.sqrt(z.length))
    expect(Math.abs(m2 / 0.25 - 1)).toBeLessThan(0.015)
    expect(Math.abs(m3 / m2 ** 1.5)).toBeLessThan(0.03)
    expect(Math.abs(m4 / m2 ** 2 - 3)).toBeLessThan(0.06)
  })

  it.each(NORMAL_METHODS)('%s: follows Φ (χ² over 40 bins, 40 seeds, Float32Array output)', (method) => {
    const edges = Array.from({ length: 39 }, (_, i) => -3 + (6 * (i + 1)) / 40)
    const probabilities = new Float64Array(40)
    let previous = 0
    for (let b = 0; b < 40; b++) {
      const cdf = b < 39 ? normalCdf(edges[b]!) : 1
      probabilities[b] = cdf - previous
      previous = cdf
    }
    const rejected = countRejections(40, (seed) => {
      const z = sampleNormal(new Float32Array(20_000), 0, 1, createPrng(seed, 'normal'), { method })
      const counts = new Float64Array(40)
      for (const v of z) {
        let b = 0
        while (b < 39 && v >= edges[b]!) b++
        counts[b]!++
      }
      return chiSquareTest(counts, probabilities).pValue
    })
    expect(rejected).toBeLessThanOrEqual(3)
  })

  it('ziggurat: tail probabilities beyond the base layer (3.44σ) and at 4.5σ match Φ', () => {
    const n = 4_000_000
    const z = sampleNormal(new Float64Array(n), 0, 1, createPrng(31))
    for (const cut of [3.442619855899, 4.5]) {
      let upper = 0
      let lower = 0
      for (const v of z) {
        if (v > cut) upper++
        else if (v < -cut) lower++
      }
      const p = 1 - normalCdf(cut)
      for (const count of [upper, lower]) expect(Math.abs(count - n * p)).toBeLessThan(5 * Math.sqrt(n * p) + 1)
    }
  })

  it('ziggurat: χ² over 40 seeds in the wedges and tail (|z| > 2: 11 bins per side up to 4, then > 4)', () => {
    const bins = 11
    const side = new Float64Array(bins)
    for (let b = 0; b < bins; b++) {
      const lo = 2 + 0.2 * b
      side[b] = (b < bins - 1 ? normalCdf(lo + 0.2) : 1) - normalCdf(lo)
    }
    const total = 2 * (1 - normalCdf(2))
    const probabilities = Float64Array.from([...side, ...side], (p) => p / total)
    const rejected = countRejections(40, (seed) => {
      const z = sampleNormal(new Float64Array(250_000), 0, 1, createPrng(seed, 'tails'))
      const counts = new Float64Array(2 * bins)
      for (const v of z) {
        const a = Math.abs(v)
        if (a <= 2) continue
        const b = Math.min(bins - 1, Math.floor((a - 2) / 0.2))
        counts[(v > 0 ? bins : 0) + b]!++
      }
      return chiSquareTest(counts, probabilities).pValue
    })
    expect(rejected).toBeLessThanOrEqual(3)
  })

  it('std = 0 fills with the mean', () => {
    expect(Array.from(sampleNormal(new Float64Array(3), 1.5, 0, createPrng(0)))).toEqual([1.5, 1.5, 1.5])
  })

  it('rejects NaN, negative std and non-float outputs with typed errors', () => {
    const prng = createPrng(0)
    expect(() => sampleNormal(new Float64Array(2), NaN, 1, prng)).toThrow(InvalidArgumentError)
    expect(() => sampleNormal(new Float64Array(2), 0, -1, prng)).toThrow('Invalid std: -1. Allowed: a finite number in [0, ∞).')
    expect(() => sampleNormal(new Float64Array(2), 0, NaN, prng)).toThrow(/Invalid std: NaN/)
    expect(() => sampleNormal(new Int32Array(2) as never, 0, 1, prng)).toThrow(/Allowed: a Float32Array or a Float64Array/)
    expect(() => sampleNormal(new Float64Array(2), 0, 1, prng, { method: 'polar' as never })).toThrow(
      "Invalid method: \"polar\". Allowed: 'ziggurat', 'box-muller'.",
    )
  })
})
