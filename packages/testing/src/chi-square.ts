import { regularizedGammaQ } from '@routesim/distributions'

/** P(X ≥ statistic) for X ~ χ²(degreesOfFreedom): the p-value of a χ² test. */
export function chiSquareSurvival(statistic: number, degreesOfFreedom: number): number {
  if (!(degreesOfFreedom > 0)) throw new RangeError(`degreesOfFreedom must be > 0, got ${degreesOfFreedom}`)
  if (!(statistic > 0)) return 1
  return regularizedGammaQ(degreesOfFreedom / 2, statistic / 2)
}

export interface ChiSquareResult {
  readonly statistic: number
  readonly degreesOfFreedom: number
  readonly pValue: number
}

/**
 * Pearson's goodness-of-fit test of observed counts against expected counts (same total).
 * Bins whose expected count is below `minExpected` are pooled into one, so the χ² approximation holds;
 * a bin with expected 0 must be observed 0 (otherwise p = 0).
 */
export function chiSquareTest(observed: ArrayLike<number>, expected: ArrayLike<number>, minExpected = 5): ChiSquareResult {
  if (observed.length !== expected.length) {
    throw new RangeError(`observed has ${observed.length} bins, expected has ${expected.length}`)
  }
  let statistic = 0
  let bins = 0
  let pooledObserved = 0
  let pooledExpected = 0
  for (let i = 0; i < observed.length; i++) {
    const o = observed[i]!
    const e = expected[i]!
    if (e === 0) {
      if (o !== 0) return { statistic: Infinity, degreesOfFreedom: Math.max(1, observed.length - 1), pValue: 0 }
      continue
    }
    if (e < minExpected) {
      pooledObserved += o
      pooledExpected += e
      continue
    }
    statistic += ((o - e) * (o - e)) / e
    bins++
  }
  if (pooledExpected > 0) {
    statistic += (pooledObserved - pooledExpected) ** 2 / pooledExpected
    bins++
  }
  const degreesOfFreedom = Math.max(1, bins - 1)
  return { statistic, degreesOfFreedom, pValue: chiSquareSurvival(statistic, degreesOfFreedom) }
}
