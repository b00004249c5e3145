import { aliasFromProbabilities } from './alias-table.ts'
import type { WordBlocks } from './word-blocks.ts'

/** Largest category count drawn from one 16-bit half-word (≥ 256 cells per column keeps refinements rare). */
export const HALF_WORD_MAX_CATEGORIES = 256

const CELLS = 65536
/** LUT entry of a cell that straddles a column or threshold boundary. */
const REFINE = -1
const INV_TWO_POW_32 = 1 / 4294967296

/**
 * A Walker alias table read through 16 random bits per draw, so one 32-bit word gives two draws.
 * A half-word h stands for the uniform U ∈ [h/2^16, (h+1)/2^16); x = U·n picks column ⌊x⌋ and keeps
 * it iff frac(x) < threshold, else takes its alias. Each of the 2^16 cells is classified once, in
 * exact double arithmetic (h·n/2^16 is exact for n ≤ 256): a cell whose whole range lands on one id
 * stores it, and a cell straddling a column edge or a threshold (≤ 2n of 65536, ≤ 0.8% of draws for
 * n = 256, ≤ 0.4% when n is a power of two) reads one more word for 32 more bits of U. U then has
 * 48 bits, so each id's probability is the double alias table's to within 2^-48 per straddling cell
 * of width 2^-16, i.e. |bias| ≤ 2n·2^-64 < 2^-55 in total: below the rounding of the table itself.
 */
export class HalfWordAlias {
  readonly size: number
  private readonly lut: Int16Array
  /** The alias table's columns (keep probability, alias), read by exactness tests. */
  readonly threshold: Float64Array
  readonly alias: Int32Array

  /** `probabilities`: n ≤ 256 non-negative values (normalised here), not all zero. */
  constructor(probabilities: Float64Array) {
    const n = probabilities.length
    let total = 0
    for (let i = 0; i < n; i++) total += probabilities[i]!
    const normalised = new Float64Array(n)
    for (let i = 0; i < n; i++) normalised[i] = probabilities[i]! / total
    const table = aliasFromProbabilities(normalised)
    this.size = n
    this.threshold = table.threshold
    this.alias = table.alias
    const lut = new Int16Array(CELLS)
    for (let h = 0; h < CELLS; h++) {
      const x0 = (h * n) / CELLS
      const x1 = ((h + 1) * n) / CELLS
      const column = Math.floor(x0)
      if (x1 > column + 1) {
        lut[h] = REFINE
        continue
      }
      const t = table.threshold[column]!
      // frac(x) ranges over [x0 − column, x1 − column): all below t keeps, all at or above t aliases.
      lut[h] = x1 - column <= t ? column : x0 - column >= t ? table.alias[column]! : REFINE
    }
    this.lut = lut
  }

  /**
   * Fills `out` with i.i.d. draws, two per word (low half first; an odd last draw drops its word's
   * high half). Refinement words are read right after the word that needed them, so the stream read
   * depends only on the words themselves.
   */
  fill(out: Int32Array, blocks: WordBlocks): void {
    // int32 view: words stay small integers for the engine (uint32 values above 2^31 are not).
    const words = new Int32Array(blocks.buffer.buffer, blocks.buffer.byteOffset, blocks.buffer.length)
    const lut = this.lut
    const n = out.length
    let pos = blocks.pos
    let end = blocks.end
    let i = 0
    while (i + 1 < n) {
      if (pos === end) {
        end = blocks.refill()
        pos = 0
      }
      // A straight run over the block, at most one word per pair still to fill.
      const stop = Math.min(end, pos + ((n - i) >> 1))
      for (; pos < stop; pos++) {
        const w = words[pos]!
        const a = lut[w & 0xffff]!
        const b = lut[w >>> 16]!
        if ((a | b) < 0) break
        out[i] = a
        out[i + 1] = b
        i += 2
      }
      if (pos === stop) continue
      const w = words[pos++]!
      blocks.pos = pos
      blocks.end = end
      out[i] = this.drawCell(w & 0xffff, blocks)
      out[i + 1] = this.drawCell(w >>> 16, blocks)
      i += 2
      pos = blocks.pos
      end = blocks.end
    }
    if (i < n) {
      if (pos === end) {
        end = blocks.refill()
        pos = 0
      }
      const w = words[pos++]!
      blocks.pos = pos
      blocks.end = end
      out[i] = this.drawCell(w & 0xffff, blocks)
      pos = blocks.pos
      end = blocks.end
    }
    blocks.pos = pos
    blocks.end = end
  }

  /** The draw for half-word `h`: the LUT, or for a straddling cell 32 more bits of U from the next word. */
  private drawCell(h: number, blocks: WordBlocks): number {
    const id = this.lut[h]!
    if (id !== REFINE) return id
    if (blocks.pos === blocks.end) {
      blocks.end = blocks.refill()
      blocks.pos = 0
    }
    // h + w/2^32 has at most 48 significant bits: exact in a double.
    const x = ((h + blocks.buffer[blocks.pos++]! * INV_TWO_POW_32) * this.size) / CELLS
    const column = Math.min(Math.floor(x), this.size - 1)
    return x - column < this.threshold[column]! ? column : this.alias[column]!
  }
}
