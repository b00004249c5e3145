import { describe, expect, it } from 'vitest'
import { createPrng } from '@routesim/core'
import { sampleDistinctSubsets } from '@routesim/distributions'
import { chunkPrng } from '@routesim/parallel'
import { resolveChunkBackend } from './chunk-backend.ts'
import { SAMPLE_CHUNK_ROWS, sampleRowsChunk } from './sample-rows.ts'
import type { SampleRowsArgs } from './sample-rows.ts'

describe('sampleRowsChunk', () => {
  it('uniform_distinct at E = 256, k = 8 runs the wasm kernel and gives the JavaScript sampler’s bytes and stream end', () => {
    expect(resolveChunkBackend().backend?.name).toBe('wasm')
    const rows = 2 * SAMPLE_CHUNK_ROWS + 123
    const start = createPrng('sample-rows').getState()
    const args: SampleRowsArgs = {
      kind: 'uniform_distinct',
      rows,
      k: 8,
      numExperts: 256,
      mean: 0,
      std: 1,
      fill: 1,
      start,
      end: new Int32Array(4),
      ids: new Int32Array(rows * 8),
      weights: new Float32Array(rows * 8),
    }
    for (let c = 2; c >= 0; c--) sampleRowsChunk(args, c)
    const expected = new Int32Array(rows * 8)
    let chunk0End: readonly number[] = []
    for (let c = 0; c < 3; c++) {
      const r0 = c * SAMPLE_CHUNK_ROWS
      const n = Math.min(rows, r0 + SAMPLE_CHUNK_ROWS) - r0
      const prng = chunkPrng(start, c)
      sampleDistinctSubsets(expected.subarray(r0 * 8, (r0 + n) * 8), n, 256, 8, prng)
      if (c === 0) chunk0End = prng.getState().state
    }
    expect(args.ids).toEqual(expected)
    expect(Array.from(args.end, (v) => v >>> 0)).toEqual(chunk0End)
    expect(args.weights.every((w) => w === 1)).toBe(true)
  })
})
