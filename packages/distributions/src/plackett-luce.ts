import { InvalidArgumentError, LIMITS, LimitExceededError, checkLimit, limitLabel } from '@routesim/core'
import { assertInteger } from './argument-checks.ts'
import { validateWeights } from './alias-table.ts'

/** Largest item count for which `plackettLuceInclusion` enumerates subsets exactly (2^n states). */
export const PL_EXACT_MAX_ITEMS = 20

function checkK(weights: ArrayLike<number>, k: number): number {
  checkLimit('weights.length', weights?.length, 'maxExperts', 1)
  let support = 0
  for (let i = 0; i < weights.length; i++) if (weights[i]! > 0) support++
  if (!Number.isInteger(k) || k < 0 || k > support) {
    throw new InvalidArgumentError({
      parameter: 'k',
      value: k,
      allowed: `an integer in [0, ${support}] (items with a non-zero weight)`,
    })
  }
  return support
}

/**
 * Exact Plackett–Luce inclusion probabilities P(item i is among the first k draws without
 * replacement), by dynamic programming over subsets: f(S ∪ {i}) += f(S) · w_i / (W − w(S)).
 * Cost O(2^n · n); for n ≤ `PL_EXACT_MAX_ITEMS`.
 */
export function plackettLuceInclusionExact(weights: ArrayLike<number>, k: number): Float64Array {
  const total = validateWeights('weights', weights)
  checkK(weights, k)
  const n = weights.length
  if (n > PL_EXACT_MAX_ITEMS) {
    throw new InvalidArgumentError({ parameter: 'weights.length', value: n, allowed: `≤ ${PL_EXACT_MAX_ITEMS} for exact enumeration` })
  }
  const w = Float64Array.from(weights, (x) => x / total)
  const states = 1 << n
  const f = new Float64Array(states)
  const mass = new Float64Array(states)
  const size = new Uint8Array(states)
  f[0] = 1
  const out = new Float64Array(n)
  for (let s = 0; s < states; s++) {
    const fs = f[s]!
    if (fs === 0) continue
    if (size[s] === k) {
      for (let i = 0; i < n; i++) if (s & (1 << i)) out[i] = out[i]! + fs
      continue
    }
    const rest = 1 - mass[s]!
    for (let i = 0; i < n; i++) {
      const bit = 1 << i
      if (s & bit || w[i] === 0) continue
      const t = s | bit
      f[t] = f[t]! + (fs * w[i]!) / rest
      mass[t] = mass[s]! + w[i]!
      size[t] = size[s]! + 1
    }
  }
  return out
}

/**
 * Plackett–Luce inclusion probabilities for any n, via the exponential race that defines the law:
 * item i arrives at X_i ~ Exp(w_i) and the first k arrivals are the draws, so
 *   π_i = ∫₀^∞ w_i e^{−w_i t} · P(fewer than k of the others arrived by t) dt.
 * The inner probability is a Poisson-binomial tail (prefix/suffix DPs, O(n·k²) per t); the outer
 * integral runs over x = ln t with the trapezoid rule, which converges fast for this smooth,
 * doubly-decaying integrand. Agrees with `plackettLuceInclusionExact` to ~1e-9 (tested).
 */
export function plackettLuceInclusion(weights: ArrayLike<number>, k: number, points = 2000): Float64Array {
  assertInteger('points', points, { min: 2, max: 1 << 20 })
  const total = validateWeights('weights', weights)
  checkK(weights, k)
  const n = weights.length
  // Refused before allocating the n·k tables or starting an O(points · n · k²) loop that would run for hours.
  const work = points * n * k * k
  if (work > LIMITS.maxInclusionWork) {
    throw new LimitExceededError({
      parameter: 'points × weights.length × k²',
      value: work,
      limit: LIMITS.maxInclusionWork,
      limitName: limitLabel('maxInclusionWork'),
      detail: 'Use fewer points, fewer items or a smaller k.',
    })
  }
  if (n <= 12) return plackettLuceInclusionExact(weights, k)
  const w = Float64Array.from(weights, (x) => x / total)
  let wMin = Infinity
  let wMax = 0
  for (let i = 0; i < n; i++) {
    if (w[i]! > 0) wMin = Math.min(wMin, w[i]!)
    wMax = Math.max(wMax, w[i]!)
  }
  const out = new Float64Array(n)
  if (k === 0) return out
  const x0 = Math.log(1e-10 / wMax)
  const x1 = Math.log(60 / wMin)
  const h = (x1 - x0) / (points - 1)
  const prefix = new Float64Array((n + 1) * k) // prefix[i][m]: P(m arrivals among items < i), m < k
  const suffix = new Float64Array((n + 2) * k) // suffix[i][m]: among items ≥ i
  const q = new Float64Array(n)
  for (let step = 0; step < points; step++) {
    const t = Math.exp(x0 + step * h)
    const trap = step === 0 || step === points - 1 ? 0.5 : 1
    for (let i = 0; i < n; i++) q[i] = -Math.expm1(-w[i]! * t)
    prefix.fill(0, 0, k)
    prefix[0] = 1
    for (let i = 0; i < n; i++) {
      const a = 1 - q[i]!
      const b = q[i]!
      const src = i * k
      const dst = (i + 1) * k
      prefix[dst] = prefix[src]! * a
      for (let m = 1; m < k; m++) prefix[dst + m] = prefix[src + m]! * a + prefix[src + m - 1]! * b
    }
    suffix.fill(0, n * k, n * k + k)
    suffix[n * k] = 1
    for (let i = n - 1; i >= 0; i--) {
      const a = 1 - q[i]!
      const b = q[i]!
      const src = (i + 1) * k
      const dst = i * k
      suffix[dst] = suffix[src]! * a
      for (let m = 1; m < k; m++) suffix[dst + m] = suffix[src + m]! * a + suffix[src + m - 1]! * b
    }
    for (let i = 0; i < n; i++) {
      if (w[i] === 0) continue
      // P(fewer than k arrivals among the others) = Σ_{a+b<k} prefix[i][a] · suffix[i+1][b]
      let below = 0
      const pre = i * k
      const suf = (i + 1) * k
      for (let a = 0; a < k; a++) {
        const pa = prefix[pre + a]!
        if (pa === 0) continue
        let acc = 0
        for (let b = 0; b < k - a; b++) acc += suffix[suf + b]!
        below += pa * acc
      }
      // dt = t dx; density w e^{−w t}
      out[i] = out[i]! + trap * h * t * w[i]! * Math.exp(-w[i]! * t) * below
    }
  }
  return out
}
