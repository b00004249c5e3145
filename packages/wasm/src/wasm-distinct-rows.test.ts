import { test as fcTest } from '@fast-check/vitest'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createPrng } from '@routesim/core'
import type { Prng } from '@routesim/core'
import { createWasmBackendSync } from './create-wasm-backend.ts'

const backend = createWasmBackendSync()

/**
 * The bit-slice law of @routesim/distributions' sampleDistinctSubsets for E = 256, k = 8, written out slice by
 * slice: words in blocks (⌈rows·8/4⌉ planned, at most 4096 a refill, then 64 at a time), each word's bytes low
 * first, a byte already in the row redrawn.
 */
function sliceBySlice(rows: number, prng: Prng): Int32Array {
  let planned = rows * 2
  const block = new Uint32Array(Math.max(64, Math.min(4096, planned)))
  const out = new Int32Array(rows * 8)
  let pos = 0
  let end = 0
  let w = 0
  let left = 0
  let o = 0
  for (let r = 0; r < rows; r++) {
    const row = new Set<number>()
    while (row.size < 8) {
      if (left === 0) {
        if (pos === end) {
          end = planned > 0 ? Math.min(block.length, planned) : 64
          planned -= end
          prng.fillUint32(end === block.length ? block : block.subarray(0, end))
          pos = 0
        }
        w = block[pos++]!
        left = 4
      }
      const id = w & 255
      w >>>= 8
      left--
      if (row.has(id)) continue
      row.add(id)
      out[o++] = id
    }
  }
  return out
}

describe('wasm distinct rows (E = 256, k = 8)', () => {
  fcTest.prop([fc.integer({ min: 0, max: 20000 }), fc.integer()], { numRuns: 40 })(
    'the same ids and the same words drawn as the slice-by-slice law',
    (rows, seed) => {
      const kernel = createPrng(seed)
      const plain = createPrng(seed)
      const ids = new Int32Array(rows * 8)
      expect(backend.sampleDistinctRows(ids, rows, 256, 8, kernel)).toBe(true)
      expect(ids).toEqual(sliceBySlice(rows, plain))
      expect(kernel.getState()).toEqual(plain.getState())
    },
  )

  it('a long request (several batches of rows in module memory) and a shared output', () => {
    const rows = 3 * 8192 + 77
    const ids = new Int32Array(new SharedArrayBuffer(rows * 8 * 4))
    const kernel = createPrng('long')
    const plain = createPrng('long')
    expect(backend.sampleDistinctRows(ids, rows, 256, 8, kernel)).toBe(true)
    expect(ids).toEqual(sliceBySlice(rows, plain))
    expect(kernel.getState()).toEqual(plain.getState())
  })

  it('declines other sizes and wrong output lengths, drawing nothing', () => {
    const prng = createPrng(3)
    const before = prng.getState()
    expect(backend.sampleDistinctRows(new Int32Array(40), 10, 128, 4, prng)).toBe(false)
    expect(backend.sampleDistinctRows(new Int32Array(41), 5, 256, 8, prng)).toBe(false)
    expect(backend.sampleDistinctRows(new Int32Array(80), 10, 256, 7, prng)).toBe(false)
    expect(prng.getState()).toEqual(before)
  })
})
