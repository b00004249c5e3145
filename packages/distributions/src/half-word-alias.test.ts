import { describe, expect, it } from 'vitest'
import { createPrng } from '@routesim/core'
import type { Prng } from '@routesim/core'
import { HalfWordAlias } from './half-word-alias.ts'
import { chiSquareTest } from './special-functions.ts'
import { WordBlocks } from './word-blocks.ts'
import { countRejections, tally } from '../test/statistics.ts'

/** A Prng stand-in that hands out fixed words (only `fillUint32` is read by WordBlocks). */
function wordsPrng(words: readonly number[]): Prng {
  let i = 0
  return {
    fillUint32(out: Uint32Array) {
      for (let j = 0; j < out.length; j++) out[j] = i < words.length ? words[i++]! : 0
      return out
    },
  } as unknown as Prng
}

function skewed(n: number): Float64Array {
  const p = Float64Array.from({ length: n }, (_, i) => 1 + ((i * 7919) % 13) + (i % 5 === 0 ? 40 : 0))
  p[n >> 1] = 0 // a zero-weight column must never be drawn
  return p
}

describe('HalfWordAlias', () => {
  it.each([2, 3, 6, 64, 200, 256])('draws follow the table (n = %i, χ² over 40 seeds, odd lengths)', (n) => {
    const weights = skewed(n)
    const total = weights.reduce((s, v) => s + v, 0)
    const p = weights.map((v) => v / total)
    const table = new HalfWordAlias(weights)
    const rejected = countRejections(40, (seed) => {
      const blocks = new WordBlocks(createPrng(seed, 'half-word'), 20_000)
      const ids = new Int32Array(40_001)
      table.fill(ids, blocks)
      const counts = tally(ids, n)
      expect(counts[n >> 1]).toBe(0)
      return chiSquareTest(counts, p).pValue
    })
    expect(rejected).toBeLessThanOrEqual(3)
  })

  it.each([3, 6, 200, 256])('every cell and refinement agrees with exact arithmetic on U = (h + w/2^32)/2^16 (n = %i)', (n) => {
    const table = new HalfWordAlias(skewed(n))
    const bigN = BigInt(n)
    const two48 = 2n ** 48n
    const ids = new Int32Array(1)
    for (let h = 0; h < 65536; h++) {
      for (const w of [0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff]) {
        table.fill(ids, new WordBlocks(wordsPrng([h, w]), 1))
        const scaled = (BigInt(h) * 2n ** 32n + BigInt(w)) * bigN
        const column = Number(scaled / two48)
        // frac·2^48 < t·2^48: both sides are exact doubles (t·2^48 only rescales t).
        const keep = Number(scaled % two48) < table.threshold[column]! * 2 ** 48
        const expected = keep ? column : table.alias[column]!
        if (ids[0] !== expected) expect({ h, w, id: ids[0] }).toEqual({ h, w, id: expected })
      }
    }
  })

  it('reads two ids per word, low half first; an odd last id takes the low half of the next word', () => {
    const table = new HalfWordAlias(new Float64Array([1, 1, 1, 1]))
    // n = 4 uniform: every cell is clean, id = h >>> 14.
    const ids = new Int32Array(3)
    table.fill(ids, new WordBlocks(wordsPrng([(0xc000 << 16) | 0x4000, 0x8000]), 2))
    expect(Array.from(ids)).toEqual([1, 3, 2])
  })
})
