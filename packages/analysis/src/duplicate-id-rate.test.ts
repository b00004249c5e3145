import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '@routesim/core'
import { countTokensWithDuplicateIds, duplicateIdRate } from './duplicate-id-rate.ts'

describe('duplicateIdRate', () => {
  it('counts tokens (rows), not repeated pairs', () => {
    expect(duplicateIdRate([0, 1, 2, 2], 2)).toBe(0.5)
    expect(countTokensWithDuplicateIds([3, 3, 3, 1, 2, 1, 0, 1, 2], 3)).toBe(2)
    expect(duplicateIdRate(new BigInt64Array([1n, 2n, 1n]), 3)).toBe(1)
    expect(duplicateIdRate([5, 5], 1)).toBe(0) // k = 1 cannot repeat within a token
    expect(duplicateIdRate([], 4)).toBe(0)
  })

  it('rejects ids whose length is not a multiple of topK', () => {
    expect(() => duplicateIdRate([0, 1, 2], 2)).toThrow(InvalidArgumentError)
    expect(() => duplicateIdRate([0, 1], 0)).toThrow(/topK/)
  })
})

import { createPrng } from '@routesim/core'

describe('duplicateIdRate on i.i.d. ids (vLLM torch.randint uniform_random)', () => {
  it('matches 1 − Π_{i<k}(1 − i/E) ≈ 10.5 % for E = 256, k = 8 (20 seeds, ≤ 2 outside 4 SE)', () => {
    const E = 256
    const k = 8
    const T = 4000
    let pNoDup = 1
    for (let i = 0; i < k; i++) pNoDup *= 1 - i / E
    const p = 1 - pNoDup
    expect(p).toBeCloseTo(0.1045, 3)
    const se = Math.sqrt((p * (1 - p)) / T)
    let outside = 0
    for (let seed = 0; seed < 20; seed++) {
      const prng = createPrng(seed, 'randint')
      const ids = Int32Array.from({ length: T * k }, () => prng.nextInt(E))
      if (Math.abs(duplicateIdRate(ids, k) - p) > 4 * se) outside++
    }
    expect(outside).toBeLessThanOrEqual(2)
  })
})
