import { describe, expect, it } from 'vitest'
import { chiSquareSurvival, chiSquareTest } from './chi-square.ts'

describe('chiSquareSurvival', () => {
  it('matches textbook critical values', () => {
    // [statistic, df, upper-tail probability] from standard χ² tables.
    for (const [x, df, p] of [
      [3.841459, 1, 0.05],
      [6.634897, 1, 0.01],
      [18.307038, 10, 0.05],
      [30.577914, 15, 0.01],
      [124.342113, 100, 0.05],
      [0.454936, 1, 0.5],
    ] as const) {
      expect(chiSquareSurvival(x, df)).toBeCloseTo(p, 6)
    }
  })

  it('equals exp(-x/2) for two degrees of freedom, on both sides of the series/fraction switch', () => {
    for (const x of [0.1, 1, 3.9, 4.1, 10, 40]) expect(chiSquareSurvival(x, 2)).toBeCloseTo(Math.exp(-x / 2), 12)
  })

  it('is 1 at 0 and rejects a non-positive df', () => {
    expect(chiSquareSurvival(0, 3)).toBe(1)
    expect(() => chiSquareSurvival(1, 0)).toThrow(RangeError)
  })
})

describe('chiSquareTest', () => {
  it('accepts a perfect fit and rejects a gross misfit', () => {
    expect(chiSquareTest([25, 25, 25, 25], [25, 25, 25, 25]).pValue).toBe(1)
    expect(chiSquareTest([70, 10, 10, 10], [25, 25, 25, 25]).pValue).toBeLessThan(1e-10)
  })

  it('pools small bins and fails outright when an impossible bin is hit', () => {
    const pooled = chiSquareTest([50, 48, 1, 1], [50, 46, 2, 2])
    expect(pooled.degreesOfFreedom).toBe(2)
    expect(chiSquareTest([50, 1], [51, 0]).pValue).toBe(0)
  })
})
