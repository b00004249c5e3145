import { describe, expect, it } from 'vitest'
import { InvalidArgumentError, LimitExceededError } from '@routesim/core'
import { createWasmBackend } from '../../src/index.ts'

describe('hostile: the wasm backend', () => {
  it.each([[{ simd: false }], [{ mode: 'webgpu' }], [null], ['wasm']])(
    'createWasmBackend(%j) is a typed error (unknown options were ignored)',
    async (options) => {
      await expect(createWasmBackend(options as never)).rejects.toThrow(InvalidArgumentError)
      await expect(createWasmBackend(options as never)).rejects.toThrow(/Allowed: no options \(createWasmBackend\(\) takes none\)/)
    },
  )

  it('checks sizes before allocating, as the reference does', async () => {
    const backend = await createWasmBackend()
    expect(() => backend.sampleIds({ kind: 'uniform_iid', rows: 2 ** 28, numExperts: 256, k: 8, seed: 1 })).toThrow(LimitExceededError)
    expect(() => backend.histogram(new Int32Array(4), 2 ** 30)).toThrow(LimitExceededError)
    expect(() => backend.topK(new Float32Array(8), 2, 4, { k: 5, scoring: 'softmax' })).toThrow(/Invalid options.k: 5/)
  })
})
