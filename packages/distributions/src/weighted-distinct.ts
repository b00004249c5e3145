import { InvalidArgumentError, checkAllocation } from '@routesim/core'
import type { Prng } from '@routesim/core'
import { aliasFromProbabilities, drawAlias, validateWeights } from './alias-table.ts'
import type { AliasTable } from './alias-table.ts'
import { assertPrng } from './argument-checks.ts'

/**
 * Draws k distinct items per row without replacement, item i with probability proportional to
 * `w_i` among the items not yet drawn in that row: the Plackett–Luce (successive sampling, Gumbel-top-k)
 * law, in draw order.
 *
 * How: draws from an alias table of the full distribution and rejects items already in the row,
 * which gives exactly `w_i / (W − w(chosen))` for each remaining item. `sampleRows` (≥ 2048 ids) draws
 * from an exact lookup table instead, two draws per bulk `Prng.fillUint32` word (see
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

/**
 * Consecutive rejections before a row falls back to sequential draws (a termination guarantee) on
 * the per-draw and mass-tracking paths; the flat bulk path falls back when a row stays open for a
 * whole block of words.
 */
const MAX_REJECTIONS = 64
/** Random words drawn per bulk refill in `sampleRows` (the unused tail of the last one is dropped). */
const CHUNK = 1024
/** Lookup-table cells hold item ids in at most 16 bits. */
const BULK_MAX_ITEMS = 65535
/** Below this many ids per call the table is not worth building; the per-draw alias path runs. */
const BULK_MIN_SLOTS = 2048
/**
 * One block of random words for every sampler: a call refills it before its first draw and uses
 * it up, so samplers never share words, and none allocates (off-heap typed arrays cost µs each).
 * fillUint32 writes the Uint32 view; the hot loops read int32, so every value is a small integer.
 */
const blockFill = new Uint32Array(CHUNK)
const blockWords = new Int32Array(blockFill.buffer)

/**
 * Exact table sampling with 2^b cells, b = clamp(⌈log2 n⌉ + 6, 10, 16) (so the table stays small
 * and cache-resident): item i fills ⌊p_i·2^b⌋ cells; the cells left over (probability
 * R = Σ r_i ≤ n/2^b ≤ 1/64 for n ≤ 1024, r_i = p_i − ⌊p_i·2^b⌋/2^b), from index `direct` on, send the draw to
 * an alias table over the r_i. P(i) = ⌊p_i·2^b⌋/2^b + R · r_i/R = p_i. One 32-bit word gives two
 * independent b-bit draws (its top and bottom b bits).
 */
export interface LookupTable {
  readonly bits: number
  /** Item ids: bytes when n ≤ 256 (half the cache footprint of the random lookups). */
  readonly cells: Uint8Array | Uint16Array
  /** Cells below this index hold an item; the rest send the draw to `remainder`. */
  readonly direct: number
  readonly remainder: AliasTable | undefined
}

/** Runs at least this long are written with `fill` (a loop beats its call cost on short runs). */
const FILL_RUN = 32

export function createLookupTable(p: Float64Array): LookupTable {
  const n = p.length
  const bits = Math.min(16, Math.max(10, Math.ceil(Math.log2(Math.max(n, 2))) + 6))
  const size = 2 ** bits
  const cells = n <= 256 ? new Uint8Array(size) : new Uint16Array(size)
  const r = new Float64Array(n)
  let filled = 0
  let rest = 0
  for (let i = 0; i < n; i++) {
    const q = Math.min(Math.floor(p[i]! * size), size - filled)
    if (q >= FILL_RUN) cells.fill(i, filled, filled + q)
    else for (let c = filled; c < filled + q; c++) cells[c] = i
    filled += q
    const ri = p[i]! - q / size
    r[i] = ri > 0 ? ri : 0
    rest += r[i]!
  }
  if (rest > 0) for (let i = 0; i < n; i++) r[i] = r[i]! / rest
  const remainder = filled < size && rest > 0 ? aliasFromProbabilities(r) : undefined
  if (filled < size && !remainder) {
    cells.fill(cells[filled - 1]!, filled) // rounding residue only
    return { bits, cells, direct: size, remainder }
  }
  return { bits, cells, direct: filled, remainder }
}

/** [slot, row end, epoch, word position]: `dealWords`' state in and out. */
const dealState = new Int32Array(4)

/**
 * The hot loop of the flat bulk path: deals words whose two draws both hit item cells, until the
 * block is used up, a remainder cell comes up, or only the last row is left (a word deals at most
 * two slots, so stopping before the last row means it never writes past `out` and needs no end
 * check between its halves). A separate, call-free function so the engine keeps the loop state
 * in int32 registers; a loop that also holds the cold calls (alias draw, refill) spills and
 * re-tags it on every pass.
 */
function dealWords(
  view: Int32Array,
  chunk: number,
  cells: Uint8Array | Uint16Array,
  direct: number,
  shift: number,
  mask: number,
  stamp: Int32Array,
  out: Int32Array,
  k: number,
  stop: number,
  state: Int32Array,
): void {
  let o = state[0]!
  let end = state[1]!
  let epoch = state[2]!
  let pos = state[3]!
  while (o < stop && pos < chunk) {
    const word = view[pos]!
    const hi = word >>> shift
    const lo = word & mask
    if (hi >= direct || lo >= direct) break
    pos++
    let c = cells[hi]!
    let fresh = +(stamp[c] !== epoch) // 1 iff the item is new to the row
    stamp[c] = epoch
    out[o] = c
    o += fresh
    let full = +(o === end) // 1 iff the row is full
    epoch += full
    end += k & -full
    c = cells[lo]!
    fresh = +(stamp[c] !== epoch)
    stamp[c] = epoch
    out[o] = c
    o += fresh
    full = +(o === end)
    epoch += full
    end += k & -full
  }
  state[0] = o
  state[1] = end
  state[2] = epoch
  state[3] = pos
}

/** [slot, word position]: `dealWordsByTag`' state in and out. */
const tagState = new Int32Array(2)

/**
 * `dealWords` for k a power of two: the row of slot o is tagged `o | (k − 1)` (its last slot), which grows
 * from row to row, so "already in this row" is `stamp[item] === o | (k − 1)` and a row's end needs no
 * bookkeeping at all. Each draw then waits on one OR, one compare and one add of the slot before it — not
 * on the row end and epoch as well — which is what bounds this loop. Same draws, same ids.
 */
function dealWordsByTag(
  view: Int32Array,
  chunk: number,
  cells: Uint8Array | Uint16Array,
  direct: number,
  shift: number,
  mask: number,
  stamp: Int32Array,
  out: Int32Array,
  last: number,
  stop: number,
  state: Int32Array,
): void {
  let o = state[0]!
  let pos = state[1]!
  while (o < stop && pos < chunk) {
    const word = view[pos]!
    const hi = word >>> shift
    const lo = word & mask
    if (hi >= direct || lo >= direct) break
    pos++
    let c = cells[hi]!
    let tag = o | last
    let fresh = +(stamp[c] !== tag) // 1 iff the item is new to the row
    stamp[c] = tag
    out[o] = c
    o += fresh
    c = cells[lo]!
    tag = o | last
    fresh = +(stamp[c] !== tag)
    stamp[c] = tag
    out[o] = c
    o += fresh
  }
  state[0] = o
  state[1] = pos
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
    assertPrng('prng', prng)
    if (out === undefined) checkAllocation('rows × k', [[rows * k, 4]])
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
   * All rows from lookup-table draws (two per bulk word): each row consumes i.i.d. draws from p,
   * rejecting items it already holds — the same Plackett–Luce law as the alias path.
   */
  private fillBulk(prng: Prng, out: Int32Array, rows: number, k: number): void {
    const p = this.probabilities
    const stamp = this.stamp
    const lookup = (this.lookup ??= createLookupTable(p))
    const cells = lookup.cells
    const direct = lookup.direct
    const shift = 32 - lookup.bits
    const mask = (1 << lookup.bits) - 1
    // Sized to the call's expected words (+ slack for rejections) and never past the buffer: a block
    // longer than the buffer read past its end, and every missing word drew cell 0 twice.
    const chunk = Math.min(CHUNK, ((rows * k) >> 1) + 8)
    const view = chunk === CHUNK ? blockWords : blockWords.subarray(0, chunk)
    const fillView = chunk === CHUNK ? blockFill : blockFill.subarray(0, chunk)
    prng.fillUint32(fillView)
    // When the k most probable items hold less than the fallback mass, no row can need the
    // sequential fallback, so the mass bookkeeping is skipped.
    if (this.topMass(k) < this.fallbackMass) {
      if ((k & (k - 1)) === 0) this.fillFlatByTag(prng, out, rows, k, view, fillView, chunk)
      else this.fillFlat(prng, out, rows, k, view, fillView, chunk)
      return
    }
    const limit = this.fallbackMass
    let pos = 0
    let epoch = this.epoch
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
        if (taken >= limit || tries >= MAX_REJECTIONS) {
          this.epoch = epoch
          const pick = this.sequentialDraw(prng, epoch)
          stamp[pick] = epoch
          taken += p[pick]!
          out[o++] = pick
          tries = 0
          continue
        }
        if (pos === chunk) {
          prng.fillUint32(fillView)
          pos = 0
        }
        const word = view[pos++]!
        let cell = word >>> shift
        let c = cells[cell]!
        if (cell >= direct) c = drawAlias(lookup.remainder!, prng)
        if (stamp[c] !== epoch) {
          stamp[c] = epoch
          taken += p[c]!
          out[o++] = c
          tries = 0
          if (o === end || taken >= limit) continue
        } else tries++
        cell = word & mask
        c = cells[cell]!
        if (cell >= direct) c = drawAlias(lookup.remainder!, prng)
        if (stamp[c] !== epoch) {
          stamp[c] = epoch
          taken += p[c]!
          out[o++] = c
          tries = 0
        } else tries++
      }
    }
    this.epoch = epoch
  }

  /**
   * `fillFlat` for k a power of two, with rows tagged by their last slot (`dealWordsByTag`). The stamps are
   * set to −1 first (no tag is negative) and to 0 after, below every epoch the other paths use, so calls on the
   * other paths test membership exactly as before.
   */
  private fillFlatByTag(prng: Prng, out: Int32Array, rows: number, k: number, view: Int32Array, fillView: Uint32Array, chunk: number): void {
    const stamp = this.stamp
    const lookup = this.lookup!
    const cells = lookup.cells
    const direct = lookup.direct
    const shift = 32 - lookup.bits
    const mask = (1 << lookup.bits) - 1
    const last = k - 1
    const total = rows * k
    // The hot loop stops before the last row: a word deals at most two slots, so it never writes past `out`.
    const stop = total - k
    stamp.fill(-1)
    let o = 0
    let pos = 0
    let lastTag = -1
    const state = tagState
    for (;;) {
      state[0] = o
      state[1] = pos
      dealWordsByTag(view, chunk, cells, direct, shift, mask, stamp, out, last, stop, state)
      o = state[0]!
      pos = state[1]!
      if (o === total) break
      if (pos === chunk) {
        // Termination guarantee: a row still open after a whole block of draws finishes with exact
        // sequential draws (a stopping rule on past draws, so the law is unchanged).
        const tag = o | last
        if (tag === lastTag) {
          while (o <= tag) {
            const pick = this.sequentialDraw(prng, tag)
            stamp[pick] = tag
            out[o++] = pick
          }
          if (o === total) break
        }
        lastTag = o | last
        prng.fillUint32(fillView)
        pos = 0
        continue
      }
      // Cold path, one word: a half that hit the remainder cells (drawn from its alias table), or
      // the last row (checked after each draw).
      const word = view[pos++]!
      for (let half = 0; half < 2 && o < total; half++) {
        const cell = half === 0 ? word >>> shift : word & mask
        const c = cell < direct ? cells[cell]! : drawAlias(lookup.remainder!, prng)
        const tag = o | last
        const fresh = +(stamp[c] !== tag)
        stamp[c] = tag
        out[o] = c
        o += fresh
      }
      if (o === total) break
    }
    stamp.fill(0)
  }

  /**
   * The untracked bulk path (no row can reach the fallback mass): one flat stream of table draws
   * dealt to the rows in order, each row taking draws until it holds k distinct items. A row's end
   * is no branch: the slot advances when the item is new, and the row (stamp epoch and end)
   * advances when the slot reaches the end — a data-dependent exit per row would mispredict.
   * Same law as per-row rejection: every row sees i.i.d. draws from p and keeps the new ones.
   */
  private fillFlat(prng: Prng, out: Int32Array, rows: number, k: number, view: Int32Array, fillView: Uint32Array, chunk: number): void {
    const stamp = this.stamp
    const lookup = this.lookup!
    const cells = lookup.cells
    const direct = lookup.direct
    const shift = 32 - lookup.bits
    const mask = (1 << lookup.bits) - 1
    const total = rows * k
    // The hot loop stops before the last row: a word deals at most two slots, so it never writes
    // past `out` and needs no end check between its halves.
    const stop = total - k
    // One epoch per row: restart the stamps when this call could overflow them.
    let epoch = this.epoch
    if (epoch > 0x7fffffff - rows - 1) {
      stamp.fill(0)
      epoch = 0
    }
    epoch++
    let o = 0
    let end = k
    let pos = 0
    let lastEnd = -1
    const state = dealState
    for (;;) {
      state[0] = o
      state[1] = end
      state[2] = epoch
      state[3] = pos
      dealWords(view, chunk, cells, direct, shift, mask, stamp, out, k, stop, state)
      o = state[0]!
      end = state[1]!
      epoch = state[2]!
      pos = state[3]!
      if (o === total) break
      if (pos === chunk) {
        // Termination guarantee: a row still open after a whole block of draws finishes with exact
        // sequential draws (a stopping rule on past draws, so the law is unchanged).
        if (end === lastEnd) {
          while (o < end) {
            const pick = this.sequentialDraw(prng, epoch)
            stamp[pick] = epoch
            out[o++] = pick
          }
          epoch++
          end += k
          if (o === total) break
        }
        lastEnd = end
        prng.fillUint32(fillView)
        pos = 0
        continue
      }
      // Cold path, one word: a half that hit the remainder cells (drawn from its alias table), or
      // the last row (checked after each draw).
      const word = view[pos++]!
      for (let half = 0; half < 2 && o < total; half++) {
        const cell = half === 0 ? word >>> shift : word & mask
        const c = cell < direct ? cells[cell]! : drawAlias(lookup.remainder!, prng)
        const d = stamp[c]! ^ epoch
        stamp[c] = epoch
        out[o] = c
        o += (d | -d) >>> 31
        const full = (end - o - 1) >>> 31
        epoch += full
        end += k & -full
      }
      if (o === total) break
    }
    this.epoch = epoch
  }

  /** Mass of the k most probable items (cached per k). */
  private topMass(k: number): number {
    if (this.topMassK !== k) {
      // k largest by repeated insertion into a short sorted list (k is small; no full sort).
      const top: number[] = new Array<number>(Math.max(k, 1)).fill(0) // on-heap: cheaper than a typed array here
      let m = 0
      const p = this.probabilities
      for (let j = 0; j < p.length; j++) {
        const v = p[j]!
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
      throw new InvalidArgumentError({
        parameter: 'topK',
        value: this.support + 1,
        allowed: `at most ${this.support} (items of ${this.parameter} with a non-zero weight)`,
      })
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
export function createWeightedDistinctSampler(weights: ArrayLike<number>, options: WeightedDistinctOptions = {}): WeightedDistinctSampler {
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
