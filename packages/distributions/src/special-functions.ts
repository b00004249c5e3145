import { InvalidArgumentError } from '@routesim/core'
import { math } from './mathjs-instance.ts'

/** Standard normal CDF Φ(x) = (1 + erf(x/√2)) / 2; exact 0 and 1 at ∓∞. */
export function normalCdf(x: number): number {
  if (x === Infinity) return 1
  if (x === -Infinity) return 0
  return 0.5 * (1 + math.erf(x / Math.SQRT2))
}

/** ln Γ(x) for x > 0 (mathjs). */
export function logGamma(x: number): number {
  // mathjs would throw its own TypeError for a non-number, or answer for a matrix or a numeric string.
  if (typeof x !== 'number' || Number.isNaN(x)) throw new InvalidArgumentError({ parameter: 'x', value: x, allowed: 'a number' })
  return math.lgamma(x)
}

const EPS = 1e-15
const MAX_ITERATIONS = 100_000

/**
 * Regularized upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a): the series for x < a + 1, else the
 * modified Lentz continued fraction (Numerical Recipes §6.2), with enough iterations for a ~ 10^5.
 */
export function regularizedGammaQ(a: number, x: number): number {
  if (!(a > 0) || !Number.isFinite(a)) throw new InvalidArgumentError({ parameter: 'a', value: a, allowed: 'a finite number > 0' })
  if (!(x >= 0)) throw new InvalidArgumentError({ parameter: 'x', value: x, allowed: 'a number ≥ 0' })
  if (x === 0) return 1
  if (x === Infinity) return 0
  const logPrefix = -x + a * Math.log(x) - logGamma(a)
  if (x < a + 1) {
    let ap = a
    let del = 1 / a
    let sum = del
    for (let n = 0; n < MAX_ITERATIONS; n++) {
      ap += 1
      del *= x / ap
      sum += del
      if (Math.abs(del) < Math.abs(sum) * EPS) break
    }
    return Math.max(0, 1 - sum * Math.exp(logPrefix))
  }
  const tiny = 1e-300
  let b = x + 1 - a
  let c = 1 / tiny
  let d = 1 / b
  let h = d
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < tiny) d = tiny
    c = b + an / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const del = d * c
    h *= del
    if (Math.abs(del - 1) < EPS) break
  }
  return Math.min(1, Math.exp(logPrefix) * h)
}

/** P(X ≥ x) for X ~ χ²(df): the p-value of a chi-square statistic. */
export function chiSquareSurvival(x: number, df: number): number {
  if (!(df > 0) || !Number.isFinite(df)) throw new InvalidArgumentError({ parameter: 'df', value: df, allowed: 'a finite number > 0' })
  if (!(x >= 0)) throw new InvalidArgumentError({ parameter: 'x', value: x, allowed: 'a number ≥ 0' })
  return regularizedGammaQ(df / 2, x / 2)
}

/**
 * Pearson's χ² goodness-of-fit test of observed counts against expected probabilities. Cells whose
 * expected count is below `minExpected` are pooled into one cell (the classic validity rule).
 */
export function chiSquareTest(
  observed: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  options: { minExpected?: number } = {},
): { statistic: number; df: number; pValue: number } {
  for (const [parameter, list] of [
    ['observed', observed],
    ['probabilities', probabilities],
  ] as const) {
    if (!Array.isArray(list) && !ArrayBuffer.isView(list))
      throw new InvalidArgumentError({ parameter, value: list, allowed: 'an array or typed array of numbers' })
  }
  if (observed.length !== probabilities.length || observed.length < 2) {
    throw new InvalidArgumentError({
      parameter: 'observed.length',
      value: observed.length,
      allowed: `≥ 2 cells and equal to probabilities.length (${probabilities.length})`,
    })
  }
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!
    if (!(p >= 0 && p <= 1)) throw new InvalidArgumentError({ parameter: `probabilities[${i}]`, value: p, allowed: 'a number in [0, 1]' })
  }
  const minExpected = options.minExpected ?? 5
  let total = 0
  for (let i = 0; i < observed.length; i++) total += observed[i]!
  let statistic = 0
  let cells = 0
  let pooledObserved = 0
  let pooledExpected = 0
  for (let i = 0; i < observed.length; i++) {
    const e = total * probabilities[i]!
    if (e < minExpected) {
      pooledObserved += observed[i]!
      pooledExpected += e
      continue
    }
    statistic += (observed[i]! - e) ** 2 / e
    cells++
  }
  if (pooledExpected > 0) {
    statistic += (pooledObserved - pooledExpected) ** 2 / pooledExpected
    cells++
  } else if (pooledObserved > 0) {
    statistic = Infinity // counts where the model says impossible
  }
  const df = Math.max(1, cells - 1)
  return { statistic, df, pValue: statistic === Infinity ? 0 : chiSquareSurvival(statistic, df) }
}
