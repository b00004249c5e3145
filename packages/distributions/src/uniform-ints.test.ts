import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { InvalidArgumentError, createPrng } from '@routesim/core'
import { sampleUniformInts } from './uniform-ints.ts'
import { chiSquareTest } from './special-functions.ts'
import { countRejections, tally, uniformProbabilities } from '../test/statistics.ts'

describe('sampleUniformInts', () => {
  test.prop([fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 0, max: 200 }), fc.integer()])('every value lies in [0, n)', (n, length, seed) => {
    const out = sampleUniformInts(new Int32Array(length), n, createPrng(seed))
    expect(out.every((v) => v >= 0 && v < n)).toBe(true)
  })

  test.prop([fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 100 }), fc.integer()])(
    'the same seed gives the same values (determinism)',
    (n, length, seed) => {
      const a = sampleUniformInts(new Int32Array(length), n, createPrng(seed))
      const b = sampleUniformInts(new Int32Array(length), n, createPrng(seed))
      expect(a).toEqual(b)
    },
  )

  // n = 2^8 and 2^16 copy the words' bytes / half-words (a lane view); other powers of two shift slices out.
  test.prop([fc.constantFrom(2, 16, 256, 4096, 65536), fc.integer({ min: 0, max: 20000 }), fc.integer()])(
    'n = 2^b ≤ 2^16: the b-bit slices of ⌈len/⌊32/b⌋⌉ words, low slice first, and nothing more drawn',
    (n, length, seed) => {
      const bits = 31 - Math.clz32(n)
      const perWord = Math.floor(32 / bits)
      const prng = createPrng(seed)
      const out = sampleUniformInts(new Int32Array(length), n, prng)
      const plain = createPrng(seed)
      const words = plain.fillUint32(new Uint32Array(Math.ceil(length / perWord)))
      const expected = Int32Array.from({ length }, (_, i) => Math.floor(words[Math.floor(i / perWord)]! / 2 ** (bits * (i % perWord))) % n)
      expect(out).toEqual(expected)
      expect(prng.getState()).toEqual(plain.getState())
    },
  )

  it('continues the stream: two halves differ and the PRNG advances', () => {
    const prng = createPrng(1)
    const a = sampleUniformInts(new Int32Array(64), 256, prng)
    const b = sampleUniformInts(new Int32Array(64), 256, prng)
    expect(a).not.toEqual(b)
  })

  it('consumes ⌈len/⌊32/b⌋⌉ words for n = 2^b ≤ 2^16 and len words for a power of two up to 2^21', () => {
    for (const [n, len, words] of [
      [256, 1001, 251],
      [8, 1001, 101],
      [65536, 11, 6],
      [2 ** 20, 777, 777],
    ] as const) {
      const prng = createPrng(3)
      const reference = createPrng(3)
      sampleUniformInts(new Int32Array(len), n, prng)
      reference.fillUint32(new Uint32Array(words))
      expect(prng.getState()).toEqual(reference.getState())
    }
  })

  // Each range exercises one reduction: bit slices (2, 8, 256), 16-bit halves (7, 1000), full words (5000).
  it.each([2, 7, 8, 256, 1000, 5000])('is uniform over [0, %i): χ² over 40 seeds rejects ≤ 3 at α = 0.01', (n) => {
    const rejected = countRejections(40, (seed) => {
      const out = sampleUniformInts(new Int32Array(n * 20), n, createPrng(seed, 'uniform-ints'))
      return chiSquareTest(tally(out, n), uniformProbabilities(n)).pValue
    })
    expect(rejected).toBeLessThanOrEqual(3)
  })

  it('n = 2^16 (two 16-bit slices per word): the high and low bytes of the values are uniform', () => {
    const rejected = countRejections(40, (seed) => {
      const out = sampleUniformInts(new Int32Array(256 * 40), 65536, createPrng(seed, 'slices'))
      const high = chiSquareTest(
        tally(
          out.map((v) => v >> 8),
          256,
        ),
        uniformProbabilities(256),
      ).pValue
      const low = chiSquareTest(
        tally(
          out.map((v) => v & 255),
          256,
        ),
        uniformProbabilities(256),
      ).pValue
      return Math.min(high, low) * 2 // Bonferroni
    })
    expect(rejected).toBeLessThanOrEqual(3)
  })

  it('n = 1 draws nothing and fills zeros', () => {
    const prng = createPrng(1)
    const state = prng.getState()
    expect(Array.from(sampleUniformInts(new Int32Array(3).fill(7), 1, prng))).toEqual([0, 0, 0])
    expect(prng.getState()).toEqual(state)
  })

  it('is uniform above 2^21 (modulo path): residues mod 64 follow their exact probabilities', () => {
    const n = 2 ** 21 + 7
    const probabilities = new Float64Array(64)
    for (let b = 0; b < 64; b++) probabilities[b] = Math.floor((n - 1 - b) / 64 + 1) / n
    const rejected = countRejections(40, (seed) => {
      const out = sampleUniformInts(new Int32Array(64 * 40), n, createPrng(seed, 'modulo'))
      return chiSquareTest(
        tally(
          out.map((v) => v % 64),
          64,
        ),
        probabilities,
      ).pValue
    })
    expect(rejected).toBeLessThanOrEqual(3)
  })

  it('rejects bad arguments with typed errors naming the parameter', () => {
    const prng = createPrng(0)
    expect(() => sampleUniformInts(new Int32Array(2), 0, prng)).toThrow(InvalidArgumentError)
    expect(() => sampleUniformInts(new Int32Array(2), 2.5, prng)).toThrow(/Invalid n: 2.5/)
    expect(() => sampleUniformInts(new Int32Array(2), 2 ** 31 + 1, prng)).toThrow(/Invalid n/)
    expect(() => sampleUniformInts(new Float32Array(2) as never, 4, prng)).toThrow(/Invalid out: Float32Array\(2\). Allowed: an Int32Array/)
  })
})
