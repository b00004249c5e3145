import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { InvalidArgumentError } from '@routesim/core'
import { accumulateExpertCounts, expertCounts } from './expert-counts.ts'

describe('expertCounts', () => {
  it('counts top-k slots per expert for every index dtype', () => {
    expect([...expertCounts(new Int32Array([0, 1, 1, 3]), 4)]).toEqual([1, 2, 0, 1])
    expect([...expertCounts(new Uint32Array([3, 3, 3, 0]), 4)]).toEqual([1, 0, 0, 3])
    expect([...expertCounts(new BigInt64Array([2n, 2n, 0n, 1n]), 3)]).toEqual([1, 1, 2])
    expect([...expertCounts([0, 0], 1)]).toEqual([2])
  })

  it('accumulates into a reused buffer', () => {
    const out = new Int32Array(3)
    accumulateExpertCounts([0, 1], out)
    accumulateExpertCounts([1, 2], out)
    expect([...out]).toEqual([1, 2, 1])
  })

  it('rejects out-of-range, negative and fractional ids, naming the position', () => {
    for (const [ids, index] of [
      [[0, 4], 1],
      [[-1, 0], 0],
      [[0, 1.5], 1],
      [[Number.NaN], 0],
    ] as const) {
      const error = (() => {
        try {
          expertCounts(ids as unknown as number[], 4)
        } catch (e) {
          return e
        }
      })()
      expect(InvalidArgumentError.isInstance(error)).toBe(true)
      expect((error as InvalidArgumentError).parameter).toBe(`ids[${index}]`)
    }
    expect(() => expertCounts(new BigInt64Array([5n]), 4)).toThrow(/ids\[0\]/)
    expect(() => expertCounts([0], 0)).toThrow(InvalidArgumentError)
  })

  test.prop([fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 50 }), fc.integer()])(
    'conserves slots: Σ counts == T·k',
    (numExperts, topK, numTokens, seed) => {
      const ids = new Int32Array(numTokens * topK)
      let s = seed >>> 0
      for (let i = 0; i < ids.length; i++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0
        ids[i] = s % numExperts
      }
      const counts = expertCounts(ids, numExperts)
      expect(counts.reduce((a, b) => a + b, 0)).toBe(numTokens * topK)
    },
  )
})

describe('expertCounts on long int32 ids (split-histogram path)', () => {
  const skewed = (length: number, numExperts: number, seed: number): Int32Array => {
    const ids = new Int32Array(length)
    let s = seed >>> 0
    for (let i = 0; i < length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0
      ids[i] = (s >>> 8) % 7 === 0 ? s % numExperts : 3 % numExperts // a hot expert, as Zipf routing has
    }
    return ids
  }
  const naive = (ids: ArrayLike<number>, numExperts: number): number[] => {
    const out = new Array<number>(numExperts).fill(0)
    for (let i = 0; i < ids.length; i++) out[ids[i]!]!++
    return out
  }

  it('equals a plain count, for odd lengths and for Float64Array buffers', () => {
    for (const [length, numExperts] of [
      [1024, 4],
      [4099, 256],
      [32768, 256],
      [5000, 1],
    ] as const) {
      const ids = skewed(length, numExperts, length)
      expect([...expertCounts(ids, numExperts)]).toEqual(naive(ids, numExperts))
      const out = new Float64Array(numExperts).fill(1)
      accumulateExpertCounts(ids, out)
      expect([...out]).toEqual(naive(ids, numExperts).map((c) => c + 1))
    }
  })

  it('reports the first bad id and leaves the counts of a checked loop', () => {
    for (const [index, bad] of [
      [0, -1],
      [1500, 256],
      [4098, 1 << 30],
      [2048, -(2 ** 31)],
    ] as const) {
      const ids = skewed(4099, 256, index)
      ids[index] = bad
      if (index < 4000) ids[4000] = 999 // a later bad id must not be the one reported
      const out = new Int32Array(256)
      const error = (() => {
        try {
          accumulateExpertCounts(ids, out)
        } catch (e) {
          return e
        }
      })()
      expect((error as InvalidArgumentError).parameter).toBe(`ids[${index}]`)
      expect([...out]).toEqual(naive(ids.subarray(0, index), 256))
    }
  })
})

describe('expertCounts malformed input', () => {
  it('rejects non-array ids and output buffers with typed errors', () => {
    expect(() => expertCounts(null as unknown as number[], 4)).toThrow(InvalidArgumentError)
    expect(() => accumulateExpertCounts([0], [0] as unknown as Int32Array)).toThrow(/out/)
  })
})
