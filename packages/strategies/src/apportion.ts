import { InfeasibleTargetError, InvalidArgumentError, assertInteger, checkLimit } from '@routesim/core'

/**
 * Integer per-item counts proportional to `weights`, summing to `total`, each at most `cap`
 * (an expert appears at most once per token, so cap = T): water-filling finds λ with
 * Σ min(cap, λ·w_i) = total, then largest remainders round the reals to integers.
 */
export function apportionCounts(weights: ArrayLike<number>, total: number, cap: number): Int32Array {
  if (!Array.isArray(weights) && !ArrayBuffer.isView(weights)) {
    throw new InvalidArgumentError({ parameter: 'weights', value: weights, allowed: 'an array or typed array of weights' })
  }
  checkLimit('weights.length', weights.length, 'maxExperts', 1)
  assertInteger('total', total, { min: 0 })
  assertInteger('cap', cap, { min: 0 })
  const n = weights.length
  let support = 0
  for (let i = 0; i < n; i++) if (weights[i]! > 0) support++
  if (support * cap < total) {
    throw new InfeasibleTargetError({
      parameter: 'counts',
      value: total,
      feasible: `at most ${support * cap} slots (${support} experts with weight > 0 × ${cap} tokens each)`,
    })
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => weights[b]! - weights[a]! || a - b)
  let rest = 0
  for (let i = 0; i < n; i++) rest += weights[i]!
  let capped = 0
  let lambda = 0
  for (;;) {
    const remaining = total - capped * cap
    if (remaining <= 0 || capped >= support) break
    lambda = remaining / rest
    const w = weights[order[capped]!]!
    if (lambda * w <= cap) break
    rest -= w
    capped++
  }
  const counts = new Int32Array(n)
  const frac = new Float64Array(n)
  let assigned = 0
  for (let r = 0; r < n; r++) {
    const i = order[r]!
    const x = r < capped ? cap : Math.min(cap, lambda * weights[i]!)
    const f = Math.floor(x + 1e-9)
    counts[i] = f
    frac[i] = x - f
    assigned += f
  }
  // Largest remainders first (ties: hotter item first), never past the cap.
  const byFrac = order.slice().sort((a, b) => frac[b]! - frac[a]!)
  let diff = total - assigned
  for (let pass = 0; diff > 0 && pass < 2; pass++) {
    for (const i of byFrac) {
      if (diff === 0) break
      if (counts[i]! < cap && (pass > 0 || frac[i]! > 0)) {
        counts[i] = counts[i]! + 1
        diff--
      }
    }
  }
  for (let r = byFrac.length - 1; diff < 0 && r >= 0; r--) {
    const i = byFrac[r]!
    if (counts[i]! > 0) {
      counts[i] = counts[i]! - 1
      diff++
    }
  }
  return counts
}
