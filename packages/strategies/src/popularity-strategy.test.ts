import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { createPrng } from '@routesim/core'
import type { Prng } from '@routesim/core'
import { permuted } from './popularity-strategy.ts'

/** Fisher–Yates as it was written first: one `nextInt(i + 1)` per step. */
function nextIntShuffle(values: Float64Array, prng: Prng): Float64Array {
  for (let i = values.length - 1; i > 0; i--) {
    const j = prng.nextInt(i + 1)
    const t = values[i]!
    values[i] = values[j]!
    values[j] = t
  }
  return values
}

/**
 * Given words first, then a real generator's: enough to force rejections. `nextInt` is core's rule (redraw a word
 * in the top 2^32 mod n values, then take it mod n), on these words.
 */
function wordStream(first: readonly number[], seed: number): Prng {
  const rest = createPrng(seed)
  let at = 0
  const next = (): number => (at < first.length ? first[at++]! : rest.nextUint32())
  const stream = {
    nextUint32: next,
    fillUint32(out: Uint32Array) {
      for (let i = 0; i < out.length; i++) out[i] = next()
      return out
    },
    nextInt(n: number) {
      const limit = 2 ** 32 - (2 ** 32 % n)
      for (;;) {
        const x = next()
        if (x < limit) return x % n
      }
    },
  }
  return stream as unknown as Prng
}

describe('permuted (popularity layouts)', () => {
  test.prop([fc.integer({ min: 0, max: 600 }), fc.integer()])('the permutation and the stream end of one nextInt per step', (n, seed) => {
    const values = Float64Array.from({ length: n }, (_, i) => i + 0.5)
    const a = createPrng(seed)
    const b = createPrng(seed)
    expect(permuted(values.slice(), a)).toEqual(nextIntShuffle(values.slice(), b))
    expect(a.getState()).toEqual(b.getState())
  })

  it('redraws words in a rejected block as nextInt does, past the first block into the stream', () => {
    // 2^32 − 1 is rejected for every range that does not divide 2^32: 600 of them in a row use up the n − 1 words
    // drawn in one block and the redraws continue from the stream.
    const n = 255
    const first = new Array<number>(600).fill(0xffffffff)
    const values = Float64Array.from({ length: n }, (_, i) => i)
    const a = wordStream(first, 3)
    const b = wordStream(first, 3)
    expect(permuted(values.slice(), a)).toEqual(nextIntShuffle(values.slice(), b))
    expect(a.nextUint32()).toBe(b.nextUint32())
  })
})
