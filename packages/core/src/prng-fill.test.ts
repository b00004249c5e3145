import { expect } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { createPrng } from './prng.ts'

test.prop([fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 9 })])(
  'fillUint32 yields exactly the words of repeated nextUint32 and leaves the same state',
  (seed, length, skip) => {
    const bulk = createPrng(seed)
    const single = createPrng(seed)
    for (let i = 0; i < skip; i++) {
      bulk.nextUint32()
      single.nextUint32()
    }
    const words = bulk.fillUint32(new Uint32Array(length))
    expect(Array.from(words)).toEqual(Array.from({ length }, () => single.nextUint32()))
    expect(bulk.getState()).toEqual(single.getState())
  },
)
