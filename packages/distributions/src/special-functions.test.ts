import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { InvalidArgumentError } from '@routesim/core'
import { chiSquareSurvival, chiSquareTest, normalCdf, regularizedGammaQ } from './special-functions.ts'

describe('normalCdf', () => {
  it('matches known quantiles', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 15)
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 12)
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 12)
    expect(normalCdf(Infinity)).toBe(1)
    expect(normalCdf(-Infinity)).toBe(0)
  })
})

describe('chiSquareSurvival', () => {
  it('matches tabulated critical values', () => {
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 10)
    expect(chiSquareSurvival(18.307038053275146, 10)).toBeCloseTo(0.05, 10)
    expect(chiSquareSurvival(6.634896601021214, 1)).toBeCloseTo(0.01, 10)
    // χ²(255) upper 1% point (scipy.stats.chi2.ppf(0.99, 255)).
    expect(chiSquareSurvival(310.4573882199723, 255)).toBeCloseTo(0.01, 6)
    expect(chiSquareSurvival(0, 5)).toBe(1)
  })

  test.prop([fc.double({ min: 0, max: 50, noNaN: true })])('Q(1, x) = e^(−x) (the exponential law)', (x) => {
    expect(regularizedGammaQ(1, x)).toBeCloseTo(Math.exp(-x), 12)
  })

  test.prop([fc.integer({ min: 1, max: 40000 })])('the median of χ²(df) is near df(1 − 2/(9df))³ (Wilson–Hilferty)', (df) => {
    const median = df * (1 - 2 / (9 * df)) ** 3
    expect(Math.abs(chiSquareSurvival(median, df) - 0.5)).toBeLessThan(0.02)
  })

  it('rejects bad arguments with a typed error', () => {
    expect(() => chiSquareSurvival(-1, 3)).toThrow(InvalidArgumentError)
    expect(() => chiSquareSurvival(1, 0)).toThrow(/Invalid df: 0/)
  })
})

describe('chiSquareTest', () => {
  it('pools sparse cells and flags counts in impossible cells', () => {
    const r = chiSquareTest([50, 50, 0], [0.5, 0.5, 0])
    expect(r.df).toBe(1)
    expect(r.statistic).toBe(0)
    expect(chiSquareTest([50, 49, 1], [0.5, 0.5, 0]).pValue).toBe(0)
    expect(chiSquareTest([90, 10], [0.5, 0.5]).pValue).toBeLessThan(1e-10)
  })
})
