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

describe('expertCounts malformed input', () => {
  it('rejects non-array ids and output buffers with typed errors', () => {
    expect(() => expertCounts(null as unknown as number[], 4)).toThrow(InvalidArgumentError)
    expect(() => accumulateExpertCounts([0], [0] as unknown as Int32Array)).toThrow(/out/)
  })
})
