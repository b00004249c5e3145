import { InvalidArgumentError } from '@routesim/core'
import type { Prng } from '@routesim/core'
import { createAliasTable } from './alias-table.ts'
import type { AliasTable } from './alias-table.ts'

/**
 * Draws k distinct items per row without replacement, item i with probability proportional to
 * `w_i` among the items not yet drawn in that row: the Plackett–Luce (successive sampling, Gumbel-top-k)
 * law, in draw order.
 *
 * How: draws from an alias table of the full distribution and rejects items already in the row,
 * which gives exactly `w_i / (W − w(chosen))` for each remaining item. When the chosen (or excluded)
 * mass passes `fallbackMass`, rejection would get slow, so the row continues with exact sequential
 * draws over the remaining items (renormalised inverse CDF, O(n)). Expected cost per row is O(k)
 * draws for any distribution whose top-k mass stays below `fallbackMass`.
 */
export interface WeightedDistinctSampler {
  readonly size: number
  /** The normalised item probabilities (the PL weights). */
  readonly probabilities: Float64Array
  /** Items with a positive weight: the most a row can hold. */
  readonly support: number
  /**
   * Fills `out[offset .. offset + k)` with k distinct items. `exclude` (optional) lists items that
   * must not be drawn in this row (they count towards the rejected mass).
   */
  sampleRow(prng: Prng, out: Int32Array, offset: number, k: number, exclude?: ArrayLike<number>, excludeCount?: number): void
  /** Fills `rows × k` items row-major into `out` (allocated when absent) and returns it. */
  sampleRows(prng: Prng, rows: number, k: number, out?: Int32Array): Int32Array
}

export interface WeightedDistinctOptions {
  /** Switch to exact sequential draws once this much probability mass is taken (default 0.5). */
  readonly fallbackMass?: number
  /** Name used in error messages (default 'weights'). */
  readonly parameter?: string
}

/** Consecutive rejections before a row falls back to sequential draws (a termination guarantee). */
const MAX_REJECTIONS = 64

class AliasRejectionSampler implements WeightedDistinctSampler {
  readonly size: number
  readonly probabilities: Float64Array
  readonly support: number
  private readonly threshold: Float64Array
  private readonly alias: Int32Array
  private readonly fallbackMass: number
  private readonly parameter: string
  // Row membership by epoch stamp: no clearing between rows.
  private readonly stamp: Int32Array
  private epoch = 0

  constructor(table: AliasTable, fallbackMass: number, parameter: string) {
    this.size = table.size
    this.probabilities = table.probabilities
    this.support = table.support
    this.threshold = table.threshold
    this.alias = table.alias
    this.fallbackMass = fallbackMass
    this.parameter = parameter
    this.stamp = new Int32Array(table.size)
  }

  private checkK(k: number, excluded: number): void {
    if (!Number.isInteger(k) || k < 0 || k + excluded > this.support) {
      throw new InvalidArgumentError({
        parameter: 'topK',
        value: k,
        allowed: `an integer in [0, ${this.support - excluded}] (experts with a non-zero weight${excluded ? `, less ${excluded} excluded` : ''})`,
      })
    }
  }

  private nextEpoch(): number {
    if (this.epoch === 0x7fffffff) {
      this.stamp.fill(0)
      this.epoch = 0
    }
    return ++this.epoch
  }

  sampleRow(prng: Prng, out: Int32Array, offset: number, k: number, exclude?: ArrayLike<number>, excludeCount?: number): void {
    const p = this.probabilities
    const stamp = this.stamp
    const epoch = this.nextEpoch()
    let taken = 0
    let excluded = 0
    if (exclude) {
      const m = excludeCount ?? exclude.length
      for (let i = 0; i < m; i++) {
        const e = exclude[i]!
        if (stamp[e] !== epoch && p[e]! > 0) {
          stamp[e] = epoch
          taken += p[e]!
          excluded++
        } else stamp[e] = epoch
      }
    }
    this.checkK(k, excluded)
    this.fill(prng, out, offset, k, epoch, taken)
  }

  sampleRows(prng: Prng, rows: number, k: number, out?: Int32Array): Int32Array {
    if (!Number.isInteger(rows) || rows < 0) {
      throw new InvalidArgumentError({ parameter: 'rows', value: rows, allowed: 'an integer ≥ 0' })
    }
    this.checkK(k, 0)
    const ids = out ?? new Int32Array(rows * k)
    if (ids.length < rows * k) {
      throw new InvalidArgumentError({ parameter: 'out.length', value: ids.length, allowed: `≥ ${rows * k} (rows × k)` })
    }
    for (let r = 0; r < rows; r++) this.fill(prng, ids, r * k, k, this.nextEpoch(), 0)
    return ids
  }

  private fill(prng: Prng, out: Int32Array, offset: number, k: number, epoch: number, taken: number): void {
    const p = this.probabilities
    const threshold = this.threshold
    const alias = this.alias
    const stamp = this.stamp
    const n = this.size
    const limit = this.fallbackMass
    for (let j = 0; j < k; j++) {
      let pick = -1
      if (taken < limit) {
        for (let tries = 0; tries < MAX_REJECTIONS; tries++) {
          const x = prng.nextDouble() * n
          const i = x | 0
          const c = x - i < threshold[i]! ? i : alias[i]!
          if (stamp[c] !== epoch) {
            pick = c
            break
          }
        }
      }
      if (pick < 0) pick = this.sequentialDraw(prng, epoch)
      stamp[pick] = epoch
      taken += p[pick]!
      out[offset + j] = pick
    }
  }

  /** Exact draw from the remaining items, proportional to their weights (inverse CDF over a scan). */
  private sequentialDraw(prng: Prng, epoch: number): number {
    const p = this.probabilities
    const stamp = this.stamp
    const n = this.size
    let remaining = 0
    let last = -1
    for (let i = 0; i < n; i++) {
      if (stamp[i] !== epoch && p[i]! > 0) {
        remaining += p[i]!
        last = i
      }
    }
    if (last < 0) throw new Error(`internal: no item left to draw for ${this.parameter}`) // ruled out by checkK
    let u = prng.nextDouble() * remaining
    for (let i = 0; i < n; i++) {
      if (stamp[i] !== epoch && p[i]! > 0) {
        u -= p[i]!
        if (u < 0) return i
      }
    }
    return last // u landed on the rounding residue at the end
  }
}

/**
 * Creates a Plackett–Luce sampler (k distinct items per row, without replacement) over
 * non-negative weights. Errors name the weights parameter and the offending entry.
 */
export function createWeightedDistinctSampler(
  weights: ArrayLike<number>,
  options: WeightedDistinctOptions = {},
): WeightedDistinctSampler {
  const parameter = options.parameter ?? 'weights'
  const fallbackMass = options.fallbackMass ?? 0.5
  if (typeof fallbackMass !== 'number' || !(fallbackMass >= 0 && fallbackMass <= 1)) {
    throw new InvalidArgumentError({ parameter: 'fallbackMass', value: fallbackMass, allowed: 'a number in [0, 1]' })
  }
  return new AliasRejectionSampler(createAliasTable(weights, parameter), fallbackMass, parameter)
}
