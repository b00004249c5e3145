import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { InvalidArgumentError, ShapeMismatchError, createPrng } from '@routesim/core'
import { sampleNormalRowWeights } from './normal-row-weights.ts'
import { sampleNormal } from './normal.ts'

describe('sampleNormalRowWeights', () => {
  test.prop([fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 12 }), fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: 0.01, max: 3, noNaN: true }), fc.integer()])(
    'rows are non-negative and sum to 1 (float32 rounding)',
    (rows, k, mean, std, seed) => {
      const w = sampleNormalRowWeights(new Float32Array(rows * k), rows, k, mean, std, createPrng(seed))
      for (let r = 0; r < rows; r++) {
        let sum = 0
        for (let i = 0; i < k; i++) {
          expect(w[r * k + i]).toBeGreaterThanOrEqual(0)
          sum += w[r * k + i]!
        }
        expect(Math.abs(sum - 1)).toBeLessThan(1e-6 * k)
      }
    },
  )

  it('is |z|/Σ|z| of the sampleNormal stream, across chunk boundaries (odd k)', () => {
    const rows = 5000
    const k = 3
    const w = sampleNormalRowWeights(new Float32Array(rows * k), rows, k, 0.5, 2, createPrng(12))
    const z = sampleNormal(new Float64Array(rows * k), 0.5, 2, createPrng(12))
    for (const r of [0, 4095, 4096, 4999]) {
      const s = Math.abs(z[r * k]!) + Math.abs(z[r * k + 1]!) + Math.abs(z[r * k + 2]!)
      expect(w[r * k + 1]).toBe(Math.fround(Math.abs(z[r * k + 1]!) / s))
    }
  })

  it('slots are exchangeable: each slot averages 1/k', () => {
    const rows = 100_000
    const w = sampleNormalRowWeights(new Float32Array(rows * 4), rows, 4, 0, 1, createPrng(3))
    for (let i = 0; i < 4; i++) {
      let mean = 0
      for (let r = 0; r < rows; r++) mean += w[r * 4 + i]!
      expect(mean / rows).toBeCloseTo(0.25, 2)
    }
  })

  it('rejects bad arguments with typed errors', () => {
    const prng = createPrng(0)
    expect(() => sampleNormalRowWeights(new Float32Array(4), 2, 2, 0, 0, prng)).toThrow(InvalidArgumentError)
    expect(() => sampleNormalRowWeights(new Float32Array(5), 2, 2, 0, 1, prng)).toThrow(ShapeMismatchError)
    expect(() => sampleNormalRowWeights(new Float64Array(4) as never, 2, 2, 0, 1, prng)).toThrow(/Allowed: a Float32Array/)
  })
})
