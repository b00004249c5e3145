import { describe, expect, it } from 'vitest'
import { InvalidArgumentError, createPrng } from '@routesim/core'
import { distinctExperts, expectedDistinctExperts } from './distinct-experts.ts'
import { expertCounts } from './expert-counts.ts'

describe('distinct experts', () => {
  it('counts experts with load and evaluates E·(1 − ((E − k)/E)^B)', () => {
    expect(distinctExperts([0, 3, 0, 1])).toBe(2)
    expect(expectedDistinctExperts(256, 8, 1)).toBeCloseTo(8, 10)
    expect(expectedDistinctExperts(256, 8, 0)).toBe(0)
    expect(expectedDistinctExperts(8, 8, 3)).toBe(8)
    expect(expectedDistinctExperts(256, 8, 64)).toBeCloseTo(256 * (1 - (248 / 256) ** 64), 10)
    expect(() => expectedDistinctExperts(4, 5, 1)).toThrow(InvalidArgumentError)
    expect(() => expectedDistinctExperts(4, 2, -1)).toThrow(/numTokens/)
  })

  it('matches the mean over simulated uniform k-distinct batches (20 seeds, ≤ 2 outside 4 SE)', () => {
    const E = 64
    const k = 4
    const B = 16
    const batches = 400
    const expected = expectedDistinctExperts(E, k, B)
    let outside = 0
    for (let seed = 0; seed < 20; seed++) {
      const prng = createPrng(seed, 'distinct-experts')
      const values: number[] = []
      const pool = Int32Array.from({ length: E }, (_, i) => i)
      for (let b = 0; b < batches; b++) {
        const ids = new Int32Array(B * k)
        for (let t = 0; t < B; t++) {
          for (let j = 0; j < k; j++) {
            const r = j + prng.nextInt(E - j)
            const tmp = pool[j]!
            pool[j] = pool[r]!
            pool[r] = tmp
            ids[t * k + j] = pool[j]!
          }
        }
        values.push(distinctExperts(expertCounts(ids, E)))
      }
      const mean = values.reduce((a, c) => a + c, 0) / batches
      const sd = Math.sqrt(values.reduce((a, c) => a + (c - mean) ** 2, 0) / (batches - 1))
      if (Math.abs(mean - expected) > (4 * sd) / Math.sqrt(batches)) outside++
    }
    expect(outside).toBeLessThanOrEqual(2)
  })
})

describe('expectedDistinctExperts documented example', () => {
  it('is ≈ 222.4 for E = 256, k = 8, B = 64', () => {
    expect(expectedDistinctExperts(256, 8, 64)).toBeCloseTo(222.44, 2)
  })
})
