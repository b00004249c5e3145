import { InfeasibleTargetError, InvalidArgumentError, checkLimit } from '@routesim/core'
import { balancedness, gini, maxOverMean, rankLoads } from '@routesim/analysis'
import type { Placement } from '@routesim/analysis'
import { apportionCounts } from './apportion.ts'
import { zipfValues } from './zipf.ts'

/** The metric a target strategy hits: EP-rank balancedness (mean/max), Gini of expert loads, or max/mean expert load. */
export type TargetMetric = 'balancedness' | 'gini' | 'max_over_mean'

export interface TargetProblem {
  readonly metric: TargetMetric
  readonly target: number
  readonly numExperts: number
  readonly numTokens: number
  readonly topK: number
  /** EP size (balancedness only); must divide E. */
  readonly epSize?: number
  readonly placement?: Placement
  /** Relative tolerance (default 0.02 = ±2%). */
  readonly tolerance?: number
}

export interface TargetSolution {
  /** Per-expert counts in popularity order (hottest first); Σ = T·k, each ≤ T. */
  readonly counts: Int32Array
  /** The metric those counts give once arranged (what the routing will measure). */
  readonly value: number
  /** The Zipf exponent of the capped profile (Infinity: the top-k limit). */
  readonly exponent: number
}

/**
 * Places counts given in popularity order on expert ids so that, for balancedness, the hottest
 * experts share a rank: popularity index i → rank ⌊i/epr⌋, local i mod epr, then the placement's slot.
 * `rankOrder`/`localOrder` permute ranks and per-rank locals (the metric does not change).
 */
export function arrangeOnRanks(
  counts: ArrayLike<number>,
  epSize: number,
  placement: Placement,
  rankOrder?: ArrayLike<number>,
  localOrder?: (rank: number, local: number) => number,
): Int32Array {
  if (!Array.isArray(counts) && !ArrayBuffer.isView(counts))
    throw new InvalidArgumentError({ parameter: 'counts', value: counts, allowed: 'an array or typed array of per-expert counts' })
  checkLimit('counts.length', counts.length, 'maxExperts', 1)
  checkLimit('epSize', epSize, 'maxEpSize', 1)
  const n = counts.length
  const epr = n / epSize
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const rank = rankOrder ? rankOrder[Math.floor(i / epr)]! : Math.floor(i / epr)
    const local = localOrder ? localOrder(rank, i % epr) : i % epr
    out[placement === 'linear' ? rank * epr + local : local * epSize + rank] = counts[i]!
  }
  return out
}

function measure(problem: Required<TargetProblem>, counts: Int32Array): number {
  switch (problem.metric) {
    case 'balancedness':
      return balancedness(rankLoads(arrangeOnRanks(counts, problem.epSize, problem.placement), problem.epSize, problem.placement))
    case 'gini':
      return gini(counts)
    case 'max_over_mean':
      return maxOverMean(counts)
  }
}

/** The reachable range [lo, hi] of a metric for these sizes (continuous bounds, before integer effects). */
export function targetRange(metric: TargetMetric, numExperts: number, topK: number, epSize = 1): [number, number] {
  switch (metric) {
    case 'balancedness':
      return [Math.max(1 / epSize, topK / numExperts), 1]
    case 'gini':
      return [0, 1 - topK / numExperts]
    case 'max_over_mean':
      return [1, numExperts / topK]
    default:
      throw new InvalidArgumentError({ parameter: 'metric', value: metric, allowed: "'balancedness', 'gini', 'max_over_mean'" })
  }
}

const EXPONENT_MAX = 64

/**
 * Finds per-expert counts whose metric is within ±tolerance (relative) of the target: a capped Zipf
 * profile counts_r = min(T, λ·r^(−s)) apportioned to integers, with bisection on s (the metric is
 * monotone in s up to integer rounding). Throws `InfeasibleTargetError` when the target is outside
 * the reachable range or the token count is too small to resolve it within the tolerance.
 */
export function solveTargetCounts(problem: TargetProblem): TargetSolution {
  if (typeof problem !== 'object' || problem === null)
    throw new InvalidArgumentError({ parameter: 'problem', value: problem, allowed: 'a TargetProblem { metric, target, numTokens, numExperts, topK, … }' })
  const p: Required<TargetProblem> = {
    epSize: 1,
    placement: 'linear',
    tolerance: 0.02,
    ...problem,
  }
  const { metric, target, numExperts: E, numTokens: T, topK: k, tolerance } = p
  if (metric === 'balancedness' && (E % p.epSize !== 0 || p.epSize > E)) {
    throw new InvalidArgumentError({ parameter: 'epSize', value: p.epSize, allowed: `a divisor of the number of experts (${E})` })
  }
  const [lo, hi] = targetRange(metric, E, k, p.epSize)
  const describe = () => `[${round(lo)}, ${round(hi)}] for ${metric} with E=${E}, k=${k}${metric === 'balancedness' ? `, EP=${p.epSize}` : ''}`
  if (!Number.isFinite(target) || target < lo - 1e-12 || target > hi + 1e-12) {
    throw new InfeasibleTargetError({ parameter: `${metric} target`, value: target, feasible: describe() })
  }
  if (T === 0) return { counts: new Int32Array(E), value: measure(p, new Int32Array(E)), exponent: 0 }
  const S = T * k
  // "Imbalance" rises with s for every metric; balancedness falls, so flip its sign.
  const sign = metric === 'balancedness' ? -1 : 1
  let best: TargetSolution | undefined
  let bestError = Infinity
  const evaluate = (s: number): number => {
    const weights = s === Infinity ? limitWeights(E, k) : zipfValues(E, s)
    const counts = apportionCounts(weights, S, T)
    const value = measure(p, counts)
    const error = target === 0 ? Math.abs(value) : Math.abs(value / target - 1)
    if (error < bestError) {
      bestError = error
      best = { counts, value, exponent: s }
    }
    return sign * value
  }
  const goal = sign * target
  const atZero = evaluate(0)
  const atLimit = evaluate(Infinity)
  if (bestError > tolerance && goal > atZero && goal < atLimit) {
    let a = 0
    let b = 1
    while (b < EXPONENT_MAX && evaluate(b) < goal) {
      a = b
      b *= 2
    }
    for (let i = 0; i < 60 && bestError > tolerance / 4; i++) {
      const mid = (a + b) / 2
      if (evaluate(mid) < goal) a = mid
      else b = mid
    }
  }
  if (!best || bestError > tolerance) {
    throw new InfeasibleTargetError({
      parameter: `${metric} target`,
      value: target,
      feasible: `${describe()}; with T=${T} tokens the nearest reachable value is ${round(best?.value ?? NaN)} (outside ±${tolerance * 100}%): use more tokens`,
    })
  }
  return best
}

function limitWeights(E: number, k: number): Float64Array {
  const w = new Float64Array(E)
  w.fill(1, 0, k)
  return w
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4
}
