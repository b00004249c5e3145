import type { Prng } from '@routesim/core'
import { assertPrng, MAX_RANGE, assertInt32Output, assertInteger } from './argument-checks.ts'
import { WordBlocks } from './word-blocks.ts'

const TWO_POW_32 = 4294967296
const INV_TWO_POW_32 = 1 / TWO_POW_32
/** Powers of two up to this range are cut straight out of the word's bits (no rejection, several per word). */
export const BIT_SLICE_MAX = 65536
/** Up to this range a 16-bit half-word suffices (rejection rate ≤ 1/16), so one word yields two draws. */
export const HALF_WORD_MAX = 4096
/** Up to this range `x · n` (x < 2^32) stays below 2^53, so Lemire's multiply-shift is exact in doubles. */
export const MULTIPLY_SHIFT_MAX = 2 ** 21

/**
 * Fills `out` with i.i.d. uniform integers in [0, n) — the seed's `randint`. Unbiased:
 * - n = 2^b ≤ 2^16: b-bit slices of each 32-bit word (⌊32/b⌋ values per word, nothing rejected);
 * - n ≤ 4096: Lemire's multiply-shift on 16-bit half-words, rejecting the short biased block;
 * - n ≤ 2^21: the same on full words; beyond: modulo with rejection of the partial top block.
 * Words come in blocks from `Prng.fillUint32`; the count consumed depends only on the stream.
 */
export function sampleUniformInts(out: Int32Array, n: number, prng: Prng): Int32Array {
  assertPrng('prng', prng)
  assertInt32Output('out', out)
  assertInteger('n', n, { min: 1, max: MAX_RANGE })
  const len = out.length
  if (n === 1) return out.fill(0) // nothing to draw
  if (isBitSliceRange(n)) {
    const perWord = bitSliceIdsPerWord(n)
    const blocks = new WordBlocks(prng, Math.ceil(len / perWord))
    const lanes = laneView(blocks.buffer, n)
    return lanes === undefined ? bitSliceInts(out, n, perWord, blocks) : laneInts(out, lanes, blocks)
  }
  if (n <= HALF_WORD_MAX) return halfWordInts(out, n, new WordBlocks(prng, Math.ceil(len / 2)))
  const blocks = new WordBlocks(prng, len)
  const words = blocks.buffer
  let pos = 0
  let end = 0
  if (n <= MULTIPLY_SHIFT_MAX) {
    // 2^32 mod n: products whose low word falls below it would over-represent a value; 0 for powers of two.
    const threshold = TWO_POW_32 % n
    for (let i = 0; i < len;) {
      if (pos === end) {
        end = blocks.refill()
        pos = 0
      }
      const m = words[pos++]! * n
      const hi = (m * INV_TWO_POW_32) | 0
      if (m - hi * TWO_POW_32 < threshold) continue
      out[i++] = hi
    }
  } else {
    const limit = TWO_POW_32 - (TWO_POW_32 % n)
    for (let i = 0; i < len;) {
      if (pos === end) {
        end = blocks.refill()
        pos = 0
      }
      const x = words[pos++]!
      if (x >= limit) continue
      out[i++] = x % n
    }
  }
  return out
}

function halfWordInts(out: Int32Array, n: number, blocks: WordBlocks): Int32Array {
  const threshold = 65536 % n
  const words = new Int32Array(blocks.buffer.buffer, blocks.buffer.byteOffset, blocks.buffer.length)
  const len = out.length
  let pos = 0
  let end = 0
  let spare = -1 // the unused high half of the last word, low half first
  for (let i = 0; i < len;) {
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
    if ((m & 0xffff) < threshold) continue
    out[i++] = m >>> 16
  }
  return out
}

/** Whether this engine stores a uint32's low byte first (every current one does; checked, not assumed). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

/**
 * For n = 2^8 and 2^16 on a little-endian engine, the b-bit slices of each word, low slice first, are exactly the
 * word's bytes (or 16-bit halves) in memory order: a byte/half-word view of the block reads the same ids in the
 * same order with no shifting or per-id bookkeeping. Undefined for other ranges.
 */
function laneView(words: Uint32Array, n: number): Uint8Array | Uint16Array | undefined {
  if (!LITTLE_ENDIAN) return undefined
  if (n === 256) return new Uint8Array(words.buffer, words.byteOffset, words.byteLength)
  if (n === 65536) return new Uint16Array(words.buffer, words.byteOffset, words.length * 2)
  return undefined
}

/** `bitSliceInts` for byte and half-word slices: each block's lanes are widened into `out` in one copy. */
function laneInts(out: Int32Array, lanes: Uint8Array | Uint16Array, blocks: WordBlocks): Int32Array {
  const perWord = lanes.length / blocks.buffer.length
  const len = out.length
  for (let i = 0; i < len;) {
    const take = Math.min(len - i, blocks.refill() * perWord)
    widen(out, i, lanes, take)
    i += take
  }
  return out
}

/** out[at + j] = lanes[j] for j < count. */
function widen(out: Int32Array, at: number, lanes: Uint8Array | Uint16Array, count: number): void {
  out.set(count === lanes.length ? lanes : lanes.subarray(0, count), at)
}

export function isBitSliceRange(n: number): boolean {
  return n >= 2 && n <= BIT_SLICE_MAX && (n & (n - 1)) === 0
}

export function bitSliceIdsPerWord(n: number): number {
  return Math.floor(32 / (31 - Math.clz32(n)))
}

function bitSliceInts(out: Int32Array, n: number, perWord: number, blocks: WordBlocks): Int32Array {
  const bits = 31 - Math.clz32(n)
  const mask = n - 1
  // An int32 view keeps every value a small integer for the engine (uint32 words above 2^31 are not).
  const words = new Int32Array(blocks.buffer.buffer, blocks.buffer.byteOffset, blocks.buffer.length)
  const len = out.length
  let pos = 0
  let end = 0
  let w = 0
  let left = 0
  for (let i = 0; i < len; i++) {
    if (left === 0) {
      if (pos === end) {
        end = blocks.refill()
        pos = 0
      }
      w = words[pos++]!
      left = perWord
    }
    out[i] = w & mask
    w >>= bits
    left--
  }
  return out
}
