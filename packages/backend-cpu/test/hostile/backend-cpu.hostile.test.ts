import { describe, expect, it } from 'vitest'
import { InvalidArgumentError, LimitExceededError } from '@routesim/core'
import { createReferenceBackend } from '../../src/index.ts'

describe('hostile: the reference backend', () => {
  it('refuses options it does not take (they were silently ignored)', () => {
    expect(() => createReferenceBackend({ mode: 'webgpu' } as never)).toThrow(InvalidArgumentError)
    expect(() => createReferenceBackend({ mode: 'webgpu' } as never)).toThrow(
      /Invalid createReferenceBackend options: \{"mode":"webgpu"\}. Allowed: no options/,
    )
    expect(createReferenceBackend({}).name).toBe('reference')
  })

  it('refuses a sampleIds request whose ids would not fit before allocating them (2^31 ids were 8 GB)', () => {
    const backend = createReferenceBackend()
    const run = () => backend.sampleIds({ kind: 'uniform_iid', rows: 2 ** 28, numExperts: 256, k: 8, seed: 1 })
    expect(run).toThrow(LimitExceededError)
    expect(run).toThrow(/Invalid options.rows × options.k: 2147483648 exceeds the limit on elements of one buffer/)
  })

  it('refuses a histogram over 2^30 experts before allocating the counts', () => {
    const backend = createReferenceBackend()
    expect(() => backend.histogram(new Int32Array(4), 2 ** 30)).toThrow('Invalid numExperts: 1073741824 exceeds the limit on experts (at most 1,048,576).')
    expect(Array.from(backend.histogram(Int32Array.from([0, 1, 1]), 2))).toEqual([1, 2])
  })
})
