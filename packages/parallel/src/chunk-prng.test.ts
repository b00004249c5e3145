import { createPrng } from '@routesim/core'
import { describe, expect, it } from 'vitest'
import { chunkPrng } from './chunk-prng.ts'

const words = (p: { nextUint32(): number }, n: number): number[] => Array.from({ length: n }, () => p.nextUint32())

describe('chunkPrng', () => {
  it("continues the caller's stream in chunk 0 and keys later chunks by (state, chunk)", () => {
    const start = createPrng(42, 'x').getState()
    expect(words(chunkPrng(start, 0), 8)).toEqual(words(createPrng(42, 'x'), 8))
    const c1 = words(chunkPrng(start, 1), 8)
    expect(words(chunkPrng(start, 1), 8)).toEqual(c1)
    expect(words(chunkPrng(start, 2), 8)).not.toEqual(c1)
    expect(words(chunkPrng(createPrng(43, 'x').getState(), 1), 8)).not.toEqual(c1)
  })
})
