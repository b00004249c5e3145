import { create, lgammaDependencies } from 'mathjs/number'

// An isolated mathjs instance with only what we need (never the global `math`).
const { lgamma } = create({ lgammaDependencies: lgammaDependencies! })

/** Regularized lower incomplete gamma P(a, x) by its power series (converges fast for x < a + 1). */
function lowerSeries(a: number, x: number): number {
  let term = 1 / a
  let sum = term
  for (let n = 1; n < 10_000; n++) {
    term *= x / (a + n)
    sum += term
    if (Math.abs(term) < Math.abs(sum) * 1e-16) break
  }
  return sum * Math.exp(-x + a * Math.log(x) - (lgamma(a) as number))
}

/** Regularized upper incomplete gamma Q(a, x) by its continued fraction (modified Lentz; x ≥ a + 1). */
function upperFraction(a: number, x: number): number {
  const tiny = 1e-300
  let b = x + 1 - a
  let c = 1 / tiny
  let d = 1 / b
  let h = d
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < tiny) d = tiny
    c = b + an / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const delta = d * c
    h *= delta
    if (Math.abs(delta - 1) < 1e-16) break
  }
  return Math.exp(-x + a * Math.log(x) - (lgamma(a) as number)) * h
}

/** P(X ≥ statistic) for X ~ χ²(degreesOfFreedom): the p-value of a χ² test. */
export function chiSquareSurvival(statistic: number, degreesOfFreedom: number): number {
  if (!(degreesOfFreedom > 0)) throw new RangeError(`degreesOfFreedom must be > 0, got ${degreesOfFreedom}`)
  if (!(statistic > 0)) return 1
  const a = degreesOfFreedom / 2
  const x = statistic / 2
  return x < a + 1 ? 1 - lowerSeries(a, x) : upperFraction(a, x)
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
export function chiSquareTest(
  observed: ArrayLike<number>,
  expected: ArrayLike<number>,
  minExpected = 5,
): ChiSquareResult {
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
    statistic += ((pooledObserved - pooledExpected) ** 2) / pooledExpected
    bins++
  }
  const degreesOfFreedom = Math.max(1, bins - 1)
  return { statistic, degreesOfFreedom, pValue: chiSquareSurvival(statistic, degreesOfFreedom) }
}
