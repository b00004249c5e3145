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
