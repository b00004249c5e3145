import { InvalidArgumentError, assertFiniteNumber, assertOneOf } from '@routesim/core'
import { math } from './mathjs-instance.ts'
import { assertLoads, maxOf, readLoadRows, sumOf, type LoadMatrix, type Loads } from './loads.ts'

/** SGLang's epsilon in `compute_utilization_rate` (`expert_distribution.py`). */
export const SGLANG_EPSILON = 1e-5

/**
 * How per-layer balancedness values become one number:
 * - `per_layer_mean`: mean over layers of mean_r/max_r (vLLM fix, PRs #36304/#39178/#51813).
 * - `token_weighted`: Σ_ℓ mean_r / Σ_ℓ max_r (vLLM's original `eplb_state.py`; heavy layers count more).
 * - `sglang`: mean over layers of (mean_r + 1e-5) / (max_r + 1e-5) (SGLang `compute_utilization_rate`).
 * - `legacy_vllm_axis_bug`: Σ_r mean_ℓ / Σ_r max_ℓ — the historical bug after PR #22167 that reduced the
 *   layer axis, so it reports 1.0 whenever the imbalance is the same in every layer. Kept only to reproduce
 *   old logs; never use it to judge balance.
 */
export type BalancednessAggregation = 'per_layer_mean' | 'token_weighted' | 'sglang' | 'legacy_vllm_axis_bug'
export const BALANCEDNESS_AGGREGATIONS: readonly BalancednessAggregation[] = ['per_layer_mean', 'token_weighted', 'sglang', 'legacy_vllm_axis_bug']

/**
 * SGLang's utilization rate of one layer: (mean + 1e-5) / (max + 1e-5) over GPU loads.
 *
 * @example
 * sglangUtilization([100, 200]) // ≈ 0.75
 */
export function sglangUtilization(rankLoads: Loads, epsilon = SGLANG_EPSILON): number {
  assertLoads('rankLoads', rankLoads)
  assertFiniteNumber('epsilon', epsilon, { min: 0 })
  const max = maxOf(rankLoads)
  if (max + epsilon === 0) return 1 // idle ranks, no epsilon: perfectly even
  let mean = sumOf(rankLoads) / rankLoads.length
  if (mean === Infinity) mean = (sumOf(Float64Array.from(rankLoads as ArrayLike<number>, (v) => v / max)) / rankLoads.length) * max
  return (mean + epsilon) / (max + epsilon)
}

function layerRatio(row: Loads): number {
  const max = maxOf(row)
  return max === 0 ? 1 : sumOf(row) / row.length / max
}

/**
 * Balancedness mean_r/max_r of every layer of a `[layers, ranks]` load matrix (1 for an idle layer).
 *
 * @example
 * layerBalancedness([[100, 200], [300, 300]]) // Float64Array [0.75, 1]
 */
export function layerBalancedness(rankLoadsPerLayer: LoadMatrix): Float64Array {
  const rows = readLoadRows('rankLoadsPerLayer', rankLoadsPerLayer)
  return Float64Array.from(rows, layerRatio)
}

/**
 * One balancedness number for a `[layers, ranks]` matrix, by the named aggregation.
 *
 * @example
 * aggregateBalancedness([[100, 200], [100, 200]], 'per_layer_mean')       // 0.75
 * aggregateBalancedness([[100, 200], [100, 200]], 'legacy_vllm_axis_bug') // 1 (the bug)
 */
export function aggregateBalancedness(rankLoadsPerLayer: LoadMatrix, aggregation: BalancednessAggregation): number {
  const rows = readLoadRows('rankLoadsPerLayer', rankLoadsPerLayer)
  switch (assertOneOf('aggregation', aggregation, BALANCEDNESS_AGGREGATIONS)) {
    case 'per_layer_mean':
      return rows.reduce((s, row) => s + layerRatio(row), 0) / rows.length
    case 'sglang':
      return rows.reduce((s, row) => s + sglangUtilization(row), 0) / rows.length
    case 'token_weighted': {
      let means = 0
      let maxes = 0
      for (const row of rows) {
        means += sumOf(row) / row.length
        maxes += maxOf(row)
      }
      return maxes === 0 ? 1 : means / maxes
    }
    case 'legacy_vllm_axis_bug': {
      const numRanks = rows[0]!.length
      let means = 0
      let maxes = 0
      for (let r = 0; r < numRanks; r++) {
        let sum = 0
        let max = 0
        for (const row of rows) {
          sum += row[r]!
          if (row[r]! > max) max = row[r]!
        }
        means += sum / rows.length
        maxes += max
      }
      return maxes === 0 ? 1 : means / maxes
    }
  }
}

/** Every balancedness number in use, computed on the same `[layers, ranks]` loads. */
export interface BalancednessReport {
  readonly perLayer: Float64Array
  /** vLLM (fixed) headline: mean of per-layer ratios. */
  readonly perLayerMean: number
  /** vLLM original: Σ mean / Σ max. */
  readonly tokenWeighted: number
  /** SGLang: mean of (mean + 1e-5)/(max + 1e-5). */
  readonly sglang: number
  /** vLLM Prometheus `eplb_balancedness_min`. */
  readonly min: number
  /** vLLM Prometheus `eplb_balancedness_p50` (median layer, linear interpolation). */
  readonly p50: number
  /**
   * vLLM Prometheus `eplb_balancedness_p90`: "90 % of layers are at least this balanced", i.e. the
   * 10th percentile of per-layer balancedness (linear interpolation), not the 90th. `_avg` is `perLayerMean`.
   */
  readonly p90: number
}

/**
 * All balancedness aggregations of a `[layers, ranks]` load matrix (the legacy axis bug is left out on
 * purpose; ask for it by name with {@link aggregateBalancedness}).
 *
 * @example
 * balancednessReport([[100, 200], [100, 200]]).perLayerMean // 0.75
 */
export function balancednessReport(rankLoadsPerLayer: LoadMatrix): BalancednessReport {
  const rows = readLoadRows('rankLoadsPerLayer', rankLoadsPerLayer)
  const perLayer = Float64Array.from(rows, layerRatio)
  const values = [...perLayer]
  return {
    perLayer,
    perLayerMean: aggregateBalancedness(rows, 'per_layer_mean'),
    tokenWeighted: aggregateBalancedness(rows, 'token_weighted'),
    sglang: aggregateBalancedness(rows, 'sglang'),
    min: Math.min(...values),
    p50: math.quantileSeq(values, 0.5) as number,
    p90: math.quantileSeq(values, 0.1) as number,
  }
}

/** Rolling averages of SGLang's per-pass balancedness. */
export interface BalancednessSnapshot {
  /** Passes recorded so far. */
  readonly passes: number
  /** The latest pass's value (NaN before the first pass). */
  readonly current: number
  /** Mean over the last `window` passes (fewer while the window fills; NaN when empty), per window. */
  readonly windows: readonly { readonly window: number; readonly average: number; readonly count: number }[]
}

export interface BalancednessTracker {
  /**
   * Records one forward pass: a `[layers, ranks]` load matrix (scored as SGLang's mean over layers of
   * (mean + ε)/(max + ε)) or an already computed balancedness in (0, 1].
   */
  record(pass: LoadMatrix | number): BalancednessSnapshot
  snapshot(): BalancednessSnapshot
  /**
   * SGLang's gate (`--eplb-min-rebalancing-utilization-threshold`): rebalance unless the average over the
   * largest window is ≥ threshold. Always true before any pass is recorded; threshold 1.0 = always.
   */
  shouldRebalance(threshold?: number): boolean
  reset(): void
}

/**
 * A stateful recorder of SGLang-style balancedness with rolling windows (default 10/100/1000 passes).
 *
 * @example
 * const tracker = createBalancednessTracker()
 * tracker.record([[100, 200], [150, 150]]).windows[0] // { window: 10, average: ≈0.875, count: 1 }
 */
export function createBalancednessTracker(options: { windows?: readonly number[]; epsilon?: number } = {}): BalancednessTracker {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError({ parameter: 'options', value: options, allowed: '{ windows?, epsilon? }' })
  }
  const windows = [...(options.windows ?? [10, 100, 1000])]
  if (windows.length === 0) {
    throw new InvalidArgumentError({ parameter: 'windows', value: windows, allowed: 'at least one window size' })
  }
  windows.forEach((w, i) => {
    if (!Number.isInteger(w) || w < 1) {
      throw new InvalidArgumentError({ parameter: `windows[${i}]`, value: w, allowed: 'an integer ≥ 1' })
    }
  })
  const epsilon = options.epsilon ?? SGLANG_EPSILON
  if (!(typeof epsilon === 'number' && epsilon >= 0 && epsilon < Infinity)) {
    throw new InvalidArgumentError({ parameter: 'epsilon', value: epsilon, allowed: 'a finite number ≥ 0' })
  }
  const capacity = Math.max(...windows)
  const history = new Float64Array(capacity)
  let passes = 0

  const snapshot = (): BalancednessSnapshot => {
    const stored = Math.min(passes, capacity)
    return {
      passes,
      current: passes === 0 ? Number.NaN : history[(passes - 1) % capacity]!,
      windows: windows.map((window) => {
        const count = Math.min(window, stored)
        let sum = 0
        // Summing afresh (≤ 1000 adds) avoids the drift of a running sum over millions of passes.
        for (let i = 0; i < count; i++) sum += history[(passes - 1 - i) % capacity]!
        return { window, average: count === 0 ? Number.NaN : sum / count, count }
      }),
    }
  }

  return {
    record(pass) {
      let value: number
      if (typeof pass === 'number') {
        if (!(pass > 0 && pass <= 1)) {
          throw new InvalidArgumentError({ parameter: 'pass', value: pass, allowed: 'a balancedness in (0, 1] or a [layers, ranks] load matrix' })
        }
        value = pass
      } else {
        const rows = readLoadRows('pass', pass)
        value = rows.reduce((s, row) => s + sglangUtilization(row, epsilon), 0) / rows.length
      }
      history[passes % capacity] = value
      passes++
      return snapshot()
    },
    snapshot,
    shouldRebalance(threshold = 1) {
      if (!(typeof threshold === 'number' && threshold >= 0 && threshold < Infinity)) {
        throw new InvalidArgumentError({ parameter: 'threshold', value: threshold, allowed: 'a finite number ≥ 0' })
      }
      if (passes === 0) return true
      const largest = snapshot().windows.reduce((a, b) => (b.window > a.window ? b : a))
      return largest.average < threshold
    },
    reset() {
      passes = 0
      history.fill(0)
    },
  }
}
