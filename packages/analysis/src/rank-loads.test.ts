import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { InvalidArgumentError } from '@routesim/core'
import { rankLoads } from './rank-loads.ts'
import { balancedness } from './balancedness.ts'
import { rankNodes, slotRanks } from './placement.ts'

describe('rankLoads', () => {
  it('sums contiguous blocks (linear) or strided slots (round robin)', () => {
    expect([...rankLoads([1, 2, 3, 4], 2)]).toEqual([3, 7])
    expect([...rankLoads([1, 2, 3, 4], 2, 'round_robin')]).toEqual([4, 6])
    expect([...rankLoads([1, 2, 3, 4, 5, 6], 3, 'round_robin')]).toEqual([5, 7, 9])
    expect([...slotRanks(6, 3, 'linear')]).toEqual([0, 0, 1, 1, 2, 2])
    expect([...rankNodes(4, 2)]).toEqual([0, 0, 1, 1])
  })

  it('rejects EP sizes that do not divide the slots, and unknown placements', () => {
    expect(() => rankLoads([1, 2, 3], 2)).toThrow(InvalidArgumentError)
    expect(() => rankLoads([1, 2, 3], 2)).toThrow(/epSize.*divisor of the number of expert slots \(3\)/)
    expect(() => rankLoads([1, 2], 0)).toThrow(/epSize/)
    expect(() => rankLoads([1, 2], 2, 'zigzag' as 'linear')).toThrow(/placement/)
    expect(() => rankNodes(4, 3)).toThrow(/numNodes/)
  })
})

describe('balancedness', () => {
  it('is mean/max of rank loads', () => {
    expect(balancedness([100, 200])).toBe(0.75)
    expect(balancedness([5, 5, 5])).toBe(1)
    expect(balancedness([0, 0, 0, 8])).toBe(0.25)
    expect(balancedness([0, 0])).toBe(1)
  })

  it('rejects negative or empty loads', () => {
    expect(() => balancedness([])).toThrow(InvalidArgumentError)
    expect(() => balancedness([1, -2])).toThrow(/rankLoads\[1\]/)
  })

  test.prop([fc.array(fc.nat({ max: 1e6 }), { minLength: 1, maxLength: 64 })])('lies in [1/R, 1] (so in (0, 1])', (loads) => {
    const b = balancedness(loads)
    expect(b).toBeGreaterThan(0)
    expect(b).toBeLessThanOrEqual(1)
    expect(b).toBeGreaterThanOrEqual(1 / loads.length - 1e-15)
  })

  test.prop([fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.array(fc.nat({ max: 1000 }), { minLength: 64, maxLength: 64 })])(
    'conserves load: Σ rank loads == Σ counts for both placements',
    (ranks, perRank, pool) => {
      const counts = pool.slice(0, ranks * perRank)
      const total = counts.reduce((a, b) => a + b, 0)
      for (const p of ['linear', 'round_robin'] as const) {
        expect(rankLoads(counts, ranks, p).reduce((a, b) => a + b, 0)).toBe(total)
      }
    },
  )
})
