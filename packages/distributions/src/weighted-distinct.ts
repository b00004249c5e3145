import { InvalidArgumentError } from '@routesim/core'
import type { Prng } from '@routesim/core'
import { aliasFromProbabilities, sampleAlias, validateWeights } from './alias-table.ts'
import type { AliasTable } from './alias-table.ts'

/**
 * Draws k distinct items per row without replacement, item i with probability proportional to
 * `w_i` among the items not yet drawn in that row: the Plackett–Luce (successive sampling, Gumbel-top-k)
 * law, in draw order.
 *
 * How: draws from an alias table of the full distribution and rejects items already in the row,
 * which gives exactly `w_i / (W − w(chosen))` for each remaining item. `sampleRows` (≥ 2048 ids) draws
 * from an exact 16-bit lookup table instead, two draws per bulk `Prng.fillUint32` word (see
 * `createLookupTable`); `sampleRow` uses one 53-bit `nextDouble` per alias draw. When the chosen (or excluded)
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
/** Random words drawn per bulk refill in `sampleRows` (the unused tail of the last one is dropped). */
const CHUNK = 1024
/** The 16-bit lookup table needs a spare value for "use the remainder": n < 2^16. */
const BULK_MAX_ITEMS = 65535
/** Below this many ids per call the table is not worth building; the per-draw alias path runs. */
const BULK_MIN_SLOTS = 2048

/**
 * Exact table sampling with 2^b cells, b = clamp(⌈log2 n⌉ + 6, 10, 16) (so the table stays small
 * and cache-resident): item i fills ⌊p_i·2^b⌋ cells; the cells left over (probability
 * R = Σ r_i ≤ n/2^b ≤ 1/64 for n ≤ 1024, r_i = p_i − ⌊p_i·2^b⌋/2^b) hold a sentinel that sends the draw to an
 * alias table over the r_i. P(i) = ⌊p_i·2^b⌋/2^b + R · r_i/R = p_i. One 32-bit word gives two
 * independent b-bit draws (its top and bottom b bits).
 */
export interface LookupTable {
  readonly bits: number
  readonly cells: Uint16Array
  readonly sentinel: number
  readonly remainder: AliasTable | undefined
}

export function createLookupTable(p: Float64Array): LookupTable {
  const n = p.length
  const bits = Math.min(16, Math.max(10, Math.ceil(Math.log2(Math.max(n, 2))) + 6))
  const size = 2 ** bits
  const cells = new Uint16Array(size)
  const r = new Float64Array(n)
  let filled = 0
  let rest = 0
  for (let i = 0; i < n; i++) {
    const q = Math.min(Math.floor(p[i]! * size), size - filled)
    for (let c = filled; c < filled + q; c++) cells[c] = i // short runs: a loop beats fill()'s call cost
    filled += q
    r[i] = p[i]! - q / size
    if (r[i]! < 0) r[i] = 0
    rest += r[i]!
  }
  cells.fill(n, filled)
  if (rest > 0) for (let i = 0; i < n; i++) r[i] = r[i]! / rest
  const remainder = filled < size && rest > 0 ? aliasFromProbabilities(r) : undefined
  if (filled < size && !remainder) cells.fill(cells[filled - 1]!, filled) // rounding residue only
  return { bits, cells, sentinel: n, remainder }
}

class AliasRejectionSampler implements WeightedDistinctSampler {
  readonly size: number
  readonly probabilities: Float64Array
  readonly support: number
  private table: AliasTable | undefined
  private readonly fallbackMass: number
  private readonly parameter: string
  // Row membership by epoch stamp: no clearing between rows.
  private readonly stamp: Int32Array
  private epoch = 0
  private words: Int32Array | undefined
  private lookup: LookupTable | undefined
  private topMassK = -1
  private topMassValue = 0

  constructor(probabilities: Float64Array, support: number, fallbackMass: number, parameter: string) {
    this.size = probabilities.length
    this.probabilities = probabilities
    this.support = support
    this.fallbackMass = fallbackMass
    this.parameter = parameter
    this.stamp = new Int32Array(probabilities.length)
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
    if (this.size > BULK_MAX_ITEMS || rows * k < BULK_MIN_SLOTS) {
      for (let r = 0; r < rows; r++) this.fill(prng, ids, r * k, k, this.nextEpoch(), 0)
    } else {
      this.fillBulk(prng, ids, rows, k)
    }
    return ids
  }

  /** One row, one uniform double (53 bits, `Prng.nextDouble`) per alias draw. */
  private fill(prng: Prng, out: Int32Array, offset: number, k: number, epoch: number, taken: number): void {
    const p = this.probabilities
    // Built on first use: bulk calls only need the lookup table.
    const table = (this.table ??= aliasFromProbabilities(p))
    const threshold = table.threshold
    const alias = table.alias
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

  /**
   * All rows from 16-bit table draws (two per bulk word): each row consumes i.i.d. draws from p,
   * rejecting items it already holds — the same Plackett–Luce law as the alias path.
   */
  private fillBulk(prng: Prng, out: Int32Array, rows: number, k: number): void {
    const p = this.probabilities
    const stamp = this.stamp
    const lookup = (this.lookup ??= createLookupTable(p))
    const cells = lookup.cells
    const sentinel = lookup.sentinel
    const shift = 32 - lookup.bits
    const mask = (1 << lookup.bits) - 1
    const words = (this.words ??= new Int32Array(CHUNK))
    const chunk = Math.min(CHUNK, (rows * k) >> 1) + 8
    const view = chunk === CHUNK ? words : words.subarray(0, chunk)
    // fillUint32 writes through a Uint32 view; reading int32 keeps every value a small integer.
    const fillView = new Uint32Array(view.buffer, view.byteOffset, view.length)
    prng.fillUint32(fillView)
    // When the k most probable items hold less than the fallback mass, no row can need the
    // sequential fallback, so the mass bookkeeping is skipped.
    const track = this.topMass(k) >= this.fallbackMass
    const limit = this.fallbackMass
    let pos = 0
    let epoch = this.epoch
    if (!track) {
      // Branch-free row filling: every draw is written at the row's next slot and stamped; the slot
      // advances only when the item was new (d | −d has its sign bit set iff d ≠ 0).
      const cap = MAX_REJECTIONS + 4 * k
      for (let r = 0; r < rows; r++) {
        if (epoch === 0x7fffffff) {
          stamp.fill(0)
          epoch = 0
        }
        epoch++
        const end = r * k + k
        let o = r * k
        for (let draws = 0; o < end; draws += 2) {
          if (draws >= cap) {
            this.epoch = epoch
            const pick = this.sequentialDraw(prng, epoch)
            stamp[pick] = epoch
            out[o++] = pick
            continue
          }
          if (pos === chunk) {
            prng.fillUint32(fillView)
            pos = 0
          }
          const word = view[pos++]!
          let c = cells[(word >> shift) & mask]!
          if (c === sentinel) c = sampleAlias(lookup.remainder!, prng)
          let d = stamp[c]! ^ epoch
          stamp[c] = epoch
          out[o] = c
          o += (d | -d) >>> 31
          if (o === end) break
          c = cells[word & mask]!
          if (c === sentinel) c = sampleAlias(lookup.remainder!, prng)
          d = stamp[c]! ^ epoch
          stamp[c] = epoch
          out[o] = c
          o += (d | -d) >>> 31
        }
      }
      this.epoch = epoch
      return
    }
    for (let r = 0; r < rows; r++) {
      if (epoch === 0x7fffffff) {
        stamp.fill(0)
        epoch = 0
      }
      epoch++
      const start = r * k
      const end = start + k
      let o = start
      let taken = 0
      let tries = 0
      // Each word yields two draws; the second is dropped when it is not needed (draws are i.i.d.).
      while (o < end) {
        if ((track && taken >= limit) || tries >= MAX_REJECTIONS) {
          this.epoch = epoch
          const pick = this.sequentialDraw(prng, epoch)
          stamp[pick] = epoch
          if (track) taken += p[pick]!
          out[o++] = pick
          tries = 0
          continue
        }
        if (pos === chunk) {
          prng.fillUint32(fillView)
          pos = 0
        }
        const word = view[pos++]!
        let c = cells[(word >> shift) & mask]!
        if (c === sentinel) c = sampleAlias(lookup.remainder!, prng)
        if (stamp[c] !== epoch) {
          stamp[c] = epoch
          if (track) taken += p[c]!
          out[o++] = c
          tries = 0
          if (o === end || (track && taken >= limit)) continue
        } else tries++
        c = cells[word & mask]!
        if (c === sentinel) c = sampleAlias(lookup.remainder!, prng)
        if (stamp[c] !== epoch) {
          stamp[c] = epoch
          if (track) taken += p[c]!
          out[o++] = c
          tries = 0
        } else tries++
      }
    }
    this.epoch = epoch
  }

  /** Mass of the k most probable items (cached per k). */
  private topMass(k: number): number {
    if (this.topMassK !== k) {
      // k largest by repeated insertion into a short sorted list (k is small; no full sort).
      const top = new Float64Array(Math.max(k, 1))
      let m = 0
      for (const v of this.probabilities) {
        if (k === 0 || v <= top[k - 1]!) continue
        let i = k - 1
        while (i > 0 && top[i - 1]! < v) {
          top[i] = top[i - 1]!
          i--
        }
        top[i] = v
      }
      for (let i = 0; i < k; i++) m += top[i]!
      this.topMassK = k
      this.topMassValue = m
    }
    return this.topMassValue
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
    if (last < 0) {
      // Ruled out by checkK; kept so a broken invariant is a typed error, never a hang.
      throw new InvalidArgumentError({ parameter: 'topK', value: this.support + 1, allowed: `at most ${this.support} (items of ${this.parameter} with a non-zero weight)` })
    }
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
  const total = validateWeights(parameter, weights)
  const n = weights.length
  const probabilities = new Float64Array(n)
  let support = 0
  for (let i = 0; i < n; i++) {
    probabilities[i] = weights[i]! / total
    if (probabilities[i]! > 0) support++
  }
  return new AliasRejectionSampler(probabilities, support, fallbackMass, parameter)
}
