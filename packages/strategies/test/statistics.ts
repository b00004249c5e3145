import { chiSquareTest } from '@routesim/distributions'
import { indexArrayToInt32 } from '@routesim/core'
import type { IndexArray } from '@routesim/core'

export const SEEDS = 40
/** Tolerated rejections of 40 tests at α = 0.01 (expected 0.4; P(> 3) ≈ 0.0008). */
export const MAX_REJECTIONS = 3
export const ALPHA = 0.01

/** How many of `SEEDS` seeded runs reject at α. */
export function rejections(run: (seed: number) => number): number {
  let r = 0
  for (let seed = 0; seed < SEEDS; seed++) if (run(seed) < ALPHA) r++
  return r
}

export function counts(ids: IndexArray | Int32Array, numExperts: number): Float64Array {
  const out = new Float64Array(numExperts)
  for (const id of indexArrayToInt32(ids as IndexArray)) out[id]! += 1
  return out
}

/** χ² p-value of observed counts against probabilities (pooling cells expecting < 5). */
export function chiSquarePValue(observed: ArrayLike<number>, probabilities: ArrayLike<number>): number {
  return chiSquareTest(observed, probabilities).pValue
}

/**
 * One-sample Kolmogorov–Smirnov p-value (asymptotic Kolmogorov distribution with Stephens'
 * small-sample correction λ = (√n + 0.12 + 0.11/√n)·D).
 */
export function ksPValue(sample: ArrayLike<number>, cdf: (x: number) => number): number {
  const xs = Float64Array.from(sample).sort()
  const n = xs.length
  let d = 0
  for (let i = 0; i < n; i++) {
    const f = cdf(xs[i]!)
    d = Math.max(d, (i + 1) / n - f, f - i / n)
  }
  const lambda = (Math.sqrt(n) + 0.12 + 0.11 / Math.sqrt(n)) * d
  let q = 0
  for (let j = 1; j <= 100; j++) q += 2 * (-1) ** (j - 1) * Math.exp(-2 * j * j * lambda * lambda)
  return Math.min(1, Math.max(0, q))
}

/** Binomial(n, p) probabilities. */
export function binomialProbabilities(n: number, p: number): Float64Array {
  const out = new Float64Array(n + 1)
  let c = 1
  for (let i = 0; i <= n; i++) {
    out[i] = c * p ** i * (1 - p) ** (n - i)
    c = (c * (n - i)) / (i + 1)
  }
  return out
}

export const hidden = (tokens: number) => ({ shape: [tokens, 1] as const })
export const shapeOnly = (tokens: number, experts: number) => ({ shape: [tokens, experts] as const })
