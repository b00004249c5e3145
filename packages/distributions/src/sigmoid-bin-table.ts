import { InvalidArgumentError, checkLimit } from '@routesim/core'
import { assertInt32Output, assertInteger } from './argument-checks.ts'

/** The seed's `normal_routing` id map: clamp(floor(sigmoid(z) · E), 0, E − 1). */
export function sigmoidBin(z: number, numBins: number): number {
  const b = Math.floor(numBins / (1 + Math.exp(-z)))
  return b < 0 ? 0 : b >= numBins ? numBins - 1 : b
}

const Z_MIN = -16
const Z_MAX = 16
/** Within this distance of a bin edge the formula itself decides, so rounding can never differ. */
const GUARD = 1e-9

/**
 * `sigmoidBin` without an `exp` per value, for bulk use: the edges t[j] (where the formula steps to
 * j) are found once by bisection; a value's bin is read from a table of fine cells over z ∈ [−16, 16)
 * (one load for a cell inside a bin; a cell holding an edge compares with the neighbouring edges). Values near an edge (±1e-9) or outside the
 * table go through the formula, so the result always equals `sigmoidBin` exactly. Building costs
 * about 64·E + 2·cells `exp` calls: worth it from a few dozen values per bin.
 */
export class SigmoidBinTable {
  readonly numBins: number
  private readonly edges: Float64Array
  private readonly cells: Int32Array
  private readonly scale: number

  /** `values`: how many values the table will map (sizes the cell table to stay worth building). */
  constructor(numBins: number, values = 1 << 22) {
    // Building costs ~120 bisection steps per bin: bounded by the expert limit, never a hang.
    checkLimit('numBins', numBins, 'maxExperts', 1)
    assertInteger('values', values, { min: 0 })
    this.numBins = numBins
    const edges = new Float64Array(numBins + 1)
    edges[0] = -Infinity
    edges[numBins] = Infinity
    for (let j = 1; j < numBins; j++) {
      let lo = -800
      let hi = 800
      for (let step = 0; step < 120; step++) {
        const mid = lo + (hi - lo) / 2
        if (mid === lo || mid === hi) break
        if (sigmoidBin(mid, numBins) >= j) hi = mid
        else lo = mid
      }
      edges[j] = hi
    }
    // Finer cells leave fewer cells holding an edge; up to ~512 per bin, at most one per 16 values.
    const count = Math.max(1 << 10, Math.min(1 << 20, 512 * numBins, Math.floor(values / 16)))
    this.scale = count / (Z_MAX - Z_MIN)
    // A cell whose whole range (widened by 2·GUARD) maps to one bin stores it; any other cell stores
    // −(bin at its left end) − 1, and values falling there walk the edges.
    const cells = new Int32Array(count)
    let left = sigmoidBin(Z_MIN - 2 * GUARD, numBins)
    for (let c = 0; c < count; c++) {
      const right = sigmoidBin(Z_MIN + (c + 1) / this.scale + 2 * GUARD, numBins)
      cells[c] = left === right ? left : -left - 1
      left = sigmoidBin(Z_MIN + (c + 1) / this.scale - 2 * GUARD, numBins)
    }
    this.edges = edges
    this.cells = cells
  }

  /** Whether building a table pays off for `values` draws over `numBins` bins. */
  static worthwhile(numBins: number, values: number): boolean {
    return numBins <= 65536 && values >= Math.max(4096, 32 * numBins)
  }

  /** Maps `z[0, count)` to bins in `out[offset, offset + count)`. */
  mapInto(z: Float64Array, count: number, out: Int32Array, offset: number): void {
    if (!(z instanceof Float64Array)) throw new InvalidArgumentError({ parameter: 'z', value: z, allowed: 'a Float64Array' })
    assertInt32Output('out', out)
    assertInteger('count', count, { min: 0, max: z.length })
    assertInteger('offset', offset, { min: 0, max: out.length - count })
    const edges = this.edges
    const cells = this.cells
    const scale = this.scale
    const cellCount = cells.length
    const numBins = this.numBins
    for (let i = 0; i < count; i++) {
      const v = z[i]!
      const c = Math.floor((v - Z_MIN) * scale)
      const cell = c >= 0 && c < cellCount ? cells[c]! : -1
      out[offset + i] = cell >= 0 ? cell : this.slowBin(v, c, cellCount, edges, numBins)
    }
  }

  bin(z: number): number {
    const c = Math.floor((z - Z_MIN) * this.scale)
    const cellCount = this.cells.length
    const cell = c >= 0 && c < cellCount ? this.cells[c]! : -1
    return cell >= 0 ? cell : this.slowBin(z, c, cellCount, this.edges, this.numBins)
  }

  /** A value in a cell that holds an edge, or outside the table. */
  private slowBin(z: number, c: number, cellCount: number, edges: Float64Array, numBins: number): number {
    if (!(c >= 0 && c < cellCount)) return sigmoidBin(z, numBins)
    let j = -this.cells[c]! - 1
    while (j > 0 && z < edges[j]!) j--
    while (z >= edges[j + 1]!) j++
    if (z - edges[j]! < GUARD || edges[j + 1]! - z < GUARD) return sigmoidBin(z, numBins)
    return j
  }
}
