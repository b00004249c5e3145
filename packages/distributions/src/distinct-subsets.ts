import { InvalidArgumentError, type Prng } from '@routesim/core'
import { assertPrng, MAX_RANGE, assertInt32Output, assertInteger, assertRowsLength } from './argument-checks.ts'
import { HALF_WORD_MAX, MULTIPLY_SHIFT_MAX, bitSliceIdsPerWord, isBitSliceRange } from './uniform-ints.ts'
import { WordBlocks } from './word-blocks.ts'

const TWO_POW_32 = 4294967296
const INV_TWO_POW_32 = 1 / TWO_POW_32
/** Rejection with a linear in-row duplicate check wins while rows are short and collisions rare. */
const REJECTION_MAX_K = 16
/** Dense Fisher–Yates keeps an identity permutation of at most this many ids (8 MiB), where multiply-shift is exact. */
const DENSE_PERMUTATION_MAX = MULTIPLY_SHIFT_MAX

/**
 * Fills `out` (row-major `[rows, k]`) with k DISTINCT ids in [0, numExperts) per row: every
 * k-subset is equally likely and its order is uniformly random (each ordered k-tuple equally
 * likely), as `topk(rand(rows, E), k)` gives. Cost is O(rows · k), independent of E:
 * - 4k ≤ E = 2^b ≤ 2^16: ids are b-bit slices of each word (⌊32/b⌋ per word), duplicates redrawn;
 * - 4k ≤ E ≤ 4096: draw uniformly from 16-bit half-words (two draws per 32-bit word) and redraw
 *   duplicates, found by a per-expert row stamp (expected extra draws < k²/2E per row);
 * - k ≤ 16 and 4k ≤ E: the same with full words and a linear in-row duplicate check (no O(E) memory);
 * - otherwise a partial Fisher–Yates shuffle over an identity permutation that is undone after
 *   each row (dense array for E ≤ 2^21, a sparse map of the displaced entries beyond).
 * The words consumed depend only on the stream, so the same PRNG state gives the same output.
 */
export function sampleDistinctSubsets(out: Int32Array, rows: number, numExperts: number, k: number, prng: Prng): Int32Array {
  assertPrng('prng', prng)
  assertInt32Output('out', out)
  assertInteger('rows', rows, { min: 0 })
  assertInteger('numExperts', numExperts, { min: 1, max: MAX_RANGE })
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > numExperts) {
    throw new InvalidArgumentError({
      parameter: 'k',
      value: k,
      allowed: `an integer in [1, ${numExperts}] (k distinct ids need k ≤ numExperts)`,
    })
  }
  assertRowsLength('out', out, rows, k)
  if (rows === 0) return out
  if (isBitSliceRange(numExperts) && 4 * k <= numExperts) {
    const perWord = bitSliceIdsPerWord(numExperts)
    const blocks = new WordBlocks(prng, Math.ceil((rows * k) / perWord))
    if (numExperts === 256 && k === 8) byteRejectionRows8(out, rows, blocks)
    else bitSliceRejectionRows(out, rows, numExperts, k, perWord, blocks)
    return out
  }
  if (numExperts <= HALF_WORD_MAX && 4 * k <= numExperts) {
    halfWordRejectionRows(out, rows, numExperts, k, new WordBlocks(prng, Math.ceil((rows * k) / 2)))
    return out
  }
  const blocks = new WordBlocks(prng, rows * k)
  if (numExperts <= MULTIPLY_SHIFT_MAX && k <= REJECTION_MAX_K && 4 * k <= numExperts) {
    rejectionRows(out, rows, numExperts, k, blocks)
  } else if (numExperts <= DENSE_PERMUTATION_MAX) {
    fisherYatesRowsDense(out, rows, numExperts, k, blocks)
  } else {
    fisherYatesRowsSparse(out, rows, numExperts, k, blocks)
  }
  return out
}

function bitSliceRejectionRows(out: Int32Array, rows: number, n: number, k: number, perWord: number, blocks: WordBlocks): void {
  const bits = 31 - Math.clz32(n)
  const mask = n - 1
  const stamp = new Int32Array(n) // stamp[id] === row + 1 ⇔ id is already in this row
  // An int32 view keeps every value a small integer for the engine (uint32 words above 2^31 are not).
  const words = new Int32Array(blocks.buffer.buffer, blocks.buffer.byteOffset, blocks.buffer.length)
  let pos = 0
  let end = 0
  let w = 0
  let left = 0
  let next = 0
  for (let r = 1; r <= rows; r++) {
    const rowEnd = next + k
    while (next < rowEnd) {
      if (left === 0) {
        if (pos === end) {
          end = blocks.refill()
          pos = 0
        }
        w = words[pos++]!
        left = perWord
      }
      const id = w & mask
      w >>= bits
      left--
      if (stamp[id] === r) continue // already in this row: redraw
      stamp[id] = r
      out[next++] = id
    }
  }
}

const ONES = 0x01010101
const HIGHS = 0x80808080 | 0

/** Bits 7 of each byte flag the zero bytes of v (nonzero iff v has one; the borrow only adds flags above a zero byte). */
function zeroBytes(v: number): number {
  return (v - ONES) & ~v
}

/**
 * `bitSliceRejectionRows` for 8 ids of 8 bits (n = 256, k = 8: DeepSeek-V3 and Mixtral sizes): a row's next 8
 * slices are two words' bytes, low byte first. When all 8 differ (≈ 90% of rows) they are the row as they stand;
 * that is decided in registers, by XOR-ing each word with byte rotations of itself and of the other word (a zero
 * byte marks an equal pair, all 28 pairs covered). Other rows (a repeat, or too close to a block's end) are dealt
 * slice by slice with the row stamp, exactly as `bitSliceRejectionRows` deals every row: the same ids, the same
 * words consumed.
 */
function byteRejectionRows8(out: Int32Array, rows: number, blocks: WordBlocks): void {
  const words = new Int32Array(blocks.buffer.buffer, blocks.buffer.byteOffset, blocks.buffer.length)
  const stamp = new Int32Array(256) // stamp[id] === epoch ⇔ id is already in the row being dealt slice by slice
  let epoch = 0
  let p = 0 // next slice (byte) of the block
  let end = 0 // slices in the block
  let o = 0
  for (let r = 0; r < rows; r++) {
    // 12 slices ahead: an unaligned row start reads a third word.
    if (end - p >= 12) {
      const q = p >> 2
      const s = (p & 3) << 3
      let a = words[q]!
      let b = words[q + 1]!
      if (s !== 0) {
        const c = words[q + 2]!
        a = (a >>> s) | (b << (32 - s))
        b = (b >>> s) | (c << (32 - s))
      }
      const a8 = (a << 8) | (a >>> 24)
      const b8 = (b << 8) | (b >>> 24)
      const pairs =
        zeroBytes(a ^ a8) |
        zeroBytes(a ^ ((a << 16) | (a >>> 16))) |
        zeroBytes(b ^ b8) |
        zeroBytes(b ^ ((b << 16) | (b >>> 16))) |
        zeroBytes(a ^ b) |
        zeroBytes(a ^ b8) |
        zeroBytes(a ^ ((b << 16) | (b >>> 16))) |
        zeroBytes(a ^ ((b << 24) | (b >>> 8)))
      if ((pairs & HIGHS) === 0) {
        out[o] = a & 255
        out[o + 1] = (a >>> 8) & 255
        out[o + 2] = (a >>> 16) & 255
        out[o + 3] = a >>> 24
        out[o + 4] = b & 255
        out[o + 5] = (b >>> 8) & 255
        out[o + 6] = (b >>> 16) & 255
        out[o + 7] = b >>> 24
        o += 8
        p += 8
        continue
      }
    }
    if (epoch === 0x7fffffff) {
      stamp.fill(0)
      epoch = 0
    }
    epoch++
    const rowEnd = o + 8
    while (o < rowEnd) {
      if (p === end) {
        end = blocks.refill() * 4
        p = 0
      }
      const id = (words[p >> 2]! >>> ((p & 3) << 3)) & 255
      p++
      if (stamp[id] === epoch) continue // already in this row: redraw
      stamp[id] = epoch
      out[o++] = id
    }
  }
}

function halfWordRejectionRows(out: Int32Array, rows: number, n: number, k: number, blocks: WordBlocks): void {
  // Lemire's multiply-shift on 16 bits: h · n < 2^32, so the product is exact and its low half decides rejection.
  const threshold = 65536 % n
  const stamp = new Int32Array(n) // stamp[id] === row + 1 ⇔ id is already in this row
  const words = new Int32Array(blocks.buffer.buffer, blocks.buffer.byteOffset, blocks.buffer.length)
  let pos = 0
  let end = 0
  let spare = -1 // the unused high half of the last word, low half first
  let next = 0
  for (let r = 1; r <= rows; r++) {
    const rowEnd = next + k
    while (next < rowEnd) {
      let h: number
      if (spare >= 0) {
        h = spare
        spare = -1
      } else {
        if (pos === end) {
          end = blocks.refill()
          pos = 0
        }
        const w = words[pos++]!
        h = w & 0xffff
        spare = w >>> 16
      }
      const m = h * n
      if ((m & 0xffff) < threshold) continue // biased low block: redraw
      const id = m >>> 16
      if (stamp[id] === r) continue // already in this row: redraw
      stamp[id] = r
      out[next++] = id
    }
  }
}

function rejectionRows(out: Int32Array, rows: number, n: number, k: number, blocks: WordBlocks): void {
  const threshold = TWO_POW_32 % n
  const words = blocks.buffer
  let pos = 0
  let end = 0
  let base = 0
  for (let r = 0; r < rows; r++) {
    const rowEnd = base + k
    let next = base
    while (next < rowEnd) {
      if (pos === end) {
        end = blocks.refill()
        pos = 0
      }
      const m = words[pos++]! * n
      const id = (m * INV_TWO_POW_32) | 0
      if (m - id * TWO_POW_32 < threshold) continue // biased low block: redraw
      let j = base
      while (j < next && out[j] !== id) j++
      if (j !== next) continue // already in this row: redraw
      out[next++] = id
    }
    base = rowEnd
  }
}

/** 2^32 mod (n − i) for each slot i: the rejection thresholds of a shrinking range. */
function thresholds(n: number, k: number): Float64Array {
  const t = new Float64Array(k)
  for (let i = 0; i < k; i++) t[i] = TWO_POW_32 % (n - i)
  return t
}

function fisherYatesRowsDense(out: Int32Array, rows: number, n: number, k: number, blocks: WordBlocks): void {
  const perm = new Int32Array(n)
  for (let i = 0; i < n; i++) perm[i] = i
  const swaps = new Int32Array(k)
  const t = thresholds(n, k)
  const words = blocks.buffer
  let pos = 0
  let end = 0
  let base = 0
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < k;) {
      if (pos === end) {
        end = blocks.refill()
        pos = 0
      }
      // n ≤ 2^21 here, so the multiply-shift product stays exact.
      const range = n - i
      const m = words[pos++]! * range
      const offset = (m * INV_TWO_POW_32) | 0
      if (m - offset * TWO_POW_32 < t[i]!) continue
      const j = i + offset
      const v = perm[j]!
      perm[j] = perm[i]!
      perm[i] = v
      swaps[i] = j
      out[base + i] = v
      i++
    }
    // Undo in reverse so the next row starts from the identity again: O(k), not O(E).
    for (let i = k - 1; i >= 0; i--) {
      const j = swaps[i]!
      const v = perm[j]!
      perm[j] = perm[i]!
      perm[i] = v
    }
    base += k
  }
}

function fisherYatesRowsSparse(out: Int32Array, rows: number, n: number, k: number, blocks: WordBlocks): void {
  // n > 2^21: modulo reduction with rejection of the partial top block (products would not be exact).
  const t = thresholds(n, k)
  const moved = new Map<number, number>()
  const words = blocks.buffer
  let pos = 0
  let end = 0
  let base = 0
  for (let r = 0; r < rows; r++) {
    moved.clear()
    for (let i = 0; i < k;) {
      if (pos === end) {
        end = blocks.refill()
        pos = 0
      }
      const x = words[pos++]!
      if (x >= TWO_POW_32 - t[i]!) continue
      const j = i + (x % (n - i))
      // Positions < i are never read again, so only the displaced entry at j needs recording.
      out[base + i] = moved.get(j) ?? j
      moved.set(j, moved.get(i) ?? i)
      i++
    }
    base += k
  }
}
