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
 * and corrected by comparing with the neighbouring edges. Values near an edge (±1e-9) or outside the
 * table go through the formula, so the result always equals `sigmoidBin` exactly. Building costs
 * about 64·E + cells `exp` calls: worth it from a few dozen values per bin.
 */
export class SigmoidBinTable {
  readonly numBins: number
  private readonly edges: Float64Array
  private readonly cells: Int32Array
  private readonly scale: number

  constructor(numBins: number) {
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
    const count = Math.min(1 << 20, Math.max(1 << 14, 16 * numBins))
    this.scale = count / (Z_MAX - Z_MIN)
    const cells = new Int32Array(count)
    for (let c = 0; c < count; c++) cells[c] = sigmoidBin(Z_MIN + c / this.scale, numBins)
    this.edges = edges
    this.cells = cells
  }

  /** Whether building a table pays off for `values` draws over `numBins` bins. */
  static worthwhile(numBins: number, values: number): boolean {
    return numBins <= 65536 && values >= Math.max(4096, 32 * numBins)
  }

  /** Maps `z[0, count)` to bins in `out[offset, offset + count)`. */
  mapInto(z: Float64Array, count: number, out: Int32Array, offset: number): void {
    const edges = this.edges
    const cells = this.cells
    const scale = this.scale
    const cellCount = cells.length
    const numBins = this.numBins
    for (let i = 0; i < count; i++) {
      out[offset + i] = this.lookup(z[i]!, edges, cells, scale, cellCount, numBins)
    }
  }

  bin(z: number): number {
    return this.lookup(z, this.edges, this.cells, this.scale, this.cells.length, this.numBins)
  }

  private lookup(z: number, edges: Float64Array, cells: Int32Array, scale: number, cellCount: number, numBins: number): number {
    const c = Math.floor((z - Z_MIN) * scale)
    if (!(c >= 0 && c < cellCount)) return sigmoidBin(z, numBins)
    let j = cells[c]!
    while (z < edges[j]!) j--
    while (z >= edges[j + 1]!) j++
    if (z - edges[j]! < GUARD || edges[j + 1]! - z < GUARD) return sigmoidBin(z, numBins)
    return j
  }
}
