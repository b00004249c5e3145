import { describe, expect, it } from 'vitest'
import { createPrng, InvalidArgumentError } from '@routesim/core'
import { sampleLogGamma, sampleSymmetricDirichlet } from './gamma.ts'

describe('gamma and Dirichlet draws', () => {
  for (const shape of [0.05, 0.5, 1, 3.5]) {
    it(`Gamma(${shape}) has mean ≈ shape and variance ≈ shape (40k draws, 5σ)`, () => {
      const prng = createPrng(11, shape)
      const n = 40000
      let s = 0
      let s2 = 0
      for (let i = 0; i < n; i++) {
        const g = Math.exp(sampleLogGamma(prng, shape))
        s += g
        s2 += g * g
      }
      const mean = s / n
      const variance = s2 / n - mean * mean
      // sd of the sample mean is sqrt(shape/n)
      expect(Math.abs(mean - shape)).toBeLessThan(5 * Math.sqrt(shape / n))
      expect(Math.abs(variance - shape) / shape).toBeLessThan(0.1)
    })
  }

  it('a Dirichlet draw is on the simplex, even for tiny concentrations', () => {
    const out = new Float64Array(64)
    for (const alpha of [1e-3, 0.1, 1, 100]) {
      sampleSymmetricDirichlet(createPrng(2), alpha, 64, out)
      expect(out.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12)
      for (const v of out) expect(v).toBeGreaterThanOrEqual(0)
    }
  })

  it('Dirichlet marginals have mean 1/n and variance (n−1)/(n²(nα+1))', () => {
    const n = 4
    const alpha = 0.7
    const prng = createPrng(5)
    const out = new Float64Array(n)
    let s = 0
    let s2 = 0
    const draws = 40000
    for (let i = 0; i < draws; i++) {
      sampleSymmetricDirichlet(prng, alpha, n, out)
      s += out[0]!
      s2 += out[0]! * out[0]!
    }
    const mean = s / draws
    const variance = s2 / draws - mean * mean
    expect(mean).toBeCloseTo(1 / n, 2)
    expect(variance).toBeCloseTo((n - 1) / (n * n * (n * alpha + 1)), 3)
  })

  it('rejects non-positive or NaN shapes', () => {
    expect(() => sampleLogGamma(createPrng(0), 0)).toThrow(InvalidArgumentError)
    expect(() => sampleLogGamma(createPrng(0), Number.NaN)).toThrow(/shape/)
    expect(() => sampleSymmetricDirichlet(createPrng(0), -1, 3, new Float64Array(3))).toThrow(/concentration/)
  })
})
