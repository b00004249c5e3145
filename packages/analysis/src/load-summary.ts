import { assertLoads, maxOf, minOf, sumOf, type Loads } from './loads.ts'

/** Imbalance statistics of one layer's per-expert loads. All are invariant under relabelling experts. */
export interface LoadSummary {
  readonly numExperts: number
  /** Σ loads (T·k for top-k slot counts). */
  readonly total: number
  readonly min: number
  readonly max: number
  readonly mean: number
  /** Population standard deviation (ddof = 0, as numpy's `std` in aiconfigurator's skew analysis). */
  readonly std: number
  /** max / mean; 1 when every load is 0. The "hottest expert is N× the average" number. */
  readonly maxOverMean: number
  /** min / mean; 1 when every load is 0. */
  readonly minOverMean: number
  /** Coefficient of variation std / mean; 0 when every load is 0. */
  readonly cv: number
  /** Gini coefficient in [0, 1 − 1/E]; 0 = perfectly even, 0 when every load is 0. */
  readonly gini: number
  /** Shannon entropy in bits of the load share p_e = load_e / total; 0 when every load is 0. */
  readonly entropy: number
  /** entropy / log2(E) in [0, 1]; 1 = uniform. 0 when E = 1 or every load is 0. */
  readonly normalizedEntropy: number
  /** Experts with load > 0. */
  readonly distinctExperts: number
}

/**
 * Max/mean, min/mean, CV, Gini, entropy and distinct experts of one layer's loads.
 *
 * @example
 * loadSummary([1, 2, 0, 1]) // { mean: 1, max: 2, maxOverMean: 2, gini: 0.375, distinctExperts: 3, … }
 */
export function loadSummary(counts: Loads): LoadSummary {
  // One plain pass instead of mathjs std/mean: this runs for every layer of every step of a scenario
  // (tens of thousands of calls); the tests check it against mathjs's population std.
  assertLoads('counts', counts)
  const total = sumOf(counts)
  // Loads near Number.MAX_VALUE overflow the sum (or the squares); summarise the loads scaled by their max instead.
  if (total === Infinity) return scaledSummary(counts)
  const summary = summaryOf(counts, total)
  return summary.std === Infinity ? scaledSummary(counts) : summary
}

function scaledSummary(counts: Loads): LoadSummary {
  const max = maxOf(counts)
  const scaled = Float64Array.from(counts as ArrayLike<number>, (v) => v / max)
  const s = summaryOf(scaled, sumOf(scaled))
  return { ...s, total: Infinity, min: minOf(counts), max, mean: s.mean * max, std: s.std * max }
}

function summaryOf(counts: Loads, total: number): LoadSummary {
  const n = counts.length
  const mean = total / n
  const min = minOf(counts)
  const max = maxOf(counts)
  let squares = 0
  let entropy = 0
  let distinct = 0
  for (let i = 0; i < n; i++) {
    const v = counts[i]!
    const d = v - mean
    squares += d * d
    if (v > 0) {
      distinct++
      const p = v / total
      entropy -= p * Math.log2(p)
    }
  }
  const std = Math.sqrt(squares / n)
  const empty = total === 0
  return {
    numExperts: n,
    total,
    min,
    max,
    mean,
    std,
    maxOverMean: empty ? 1 : max / mean,
    minOverMean: empty ? 1 : min / mean,
    cv: empty ? 0 : std / mean,
    gini: giniUnchecked(counts, total),
    // -0 from `entropy -= 0·…` is normalised so equal inputs print identically.
    entropy: entropy + 0,
    normalizedEntropy: n > 1 ? entropy / Math.log2(n) + 0 : 0,
    distinctExperts: distinct,
  }
}

/**
 * Gini coefficient: Σ_i Σ_j |x_i − x_j| / (2 n² mean), computed from the sorted loads as
 * (2 Σ_i i·x_(i)) / (n Σ x) − (n + 1) / n with 1-based ranks i. 0 when every load is 0.
 *
 * @example
 * gini([0, 0, 0, 4]) // 0.75
 */
export function gini(counts: Loads): number {
  assertLoads('counts', counts)
  return giniUnchecked(counts, sumOf(counts))
}

function giniUnchecked(counts: Loads, total: number): number {
  const n = counts.length
  if (total === 0 || n === 1) return 0
  const sorted = Float64Array.from(counts).sort()
  let weighted = 0
  for (let i = 0; i < n; i++) weighted += (i + 1) * sorted[i]!
  const g = (2 * weighted) / (n * total) - (n + 1) / n
  // Rounding can leave −1e-17 for perfectly even loads; the coefficient is never negative.
  return g > 0 ? g : 0
}

/**
 * max / mean of the loads; 1 when every load is 0.
 *
 * @example
 * maxOverMean([1, 2, 0, 1]) // 2
 */
export function maxOverMean(counts: Loads): number {
  assertLoads('counts', counts)
  const total = sumOf(counts)
  if (total === Infinity) return loadSummary(counts).maxOverMean
  return total === 0 ? 1 : maxOf(counts) / (total / counts.length)
}

/**
 * Coefficient of variation (population std / mean); 0 when every load is 0.
 *
 * @example
 * coefficientOfVariation([1, 3]) // 0.5
 */
export function coefficientOfVariation(counts: Loads): number {
  return loadSummary(counts).cv
}
