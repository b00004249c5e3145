import type { Prng } from '@routesim/core'
import { MAX_RANGE, assertInt32Output, assertInteger } from './argument-checks.ts'
import { WordBlocks } from './word-blocks.ts'

const TWO_POW_32 = 4294967296
const INV_TWO_POW_32 = 1 / TWO_POW_32
/** Up to this range a 16-bit half-word suffices (rejection rate ≤ 1/16), so one word yields two draws. */
export const HALF_WORD_MAX = 4096
/** Up to this range `x · n` (x < 2^32) stays below 2^53, so Lemire's multiply-shift is exact in doubles. */
export const MULTIPLY_SHIFT_MAX = 2 ** 21

/**
 * Fills `out` with i.i.d. uniform integers in [0, n) — the seed's `randint`. Unbiased: Lemire's
 * multiply-shift with rejection of the short low block — on 16-bit half-words for n ≤ 4096 (two
 * values per 32-bit word), on full words for n ≤ 2^21 — else modulo with rejection of the partial
 * top block. With n a power of two nothing is rejected and exactly ⌈len/2⌉ (n ≤ 4096) or len words
 * are consumed.
 */
export function sampleUniformInts(out: Int32Array, n: number, prng: Prng): Int32Array {
  assertInt32Output('out', out)
  assertInteger('n', n, { min: 1, max: MAX_RANGE })
  const len = out.length
  if (n <= HALF_WORD_MAX) return halfWordInts(out, n, new WordBlocks(prng, Math.ceil(len / 2)))
  const blocks = new WordBlocks(prng, len)
  const words = blocks.buffer
  let pos = 0
  let end = 0
  if (n <= MULTIPLY_SHIFT_MAX) {
    // 2^32 mod n: products whose low word falls below it would over-represent a value; 0 for powers of two.
    const threshold = TWO_POW_32 % n
    for (let i = 0; i < len; ) {
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
    for (let i = 0; i < len; ) {
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
  const words = blocks.buffer
  const len = out.length
  let pos = 0
  let end = 0
  let spare = -1 // the unused high half of the last word, low half first
  for (let i = 0; i < len; ) {
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
