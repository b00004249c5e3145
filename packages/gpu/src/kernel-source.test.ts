import { describe, expect, it } from 'vitest'
import { test as fcTest, fc } from '@fast-check/vitest'
import { expStatements, packingFor, unpackIds } from './kernel-source.ts'
import { loadGpuModule } from './gpu-module.ts'

describe('packingFor', () => {
  it('packs as many ids per f32 as stay below 2^24', () => {
    expect(packingFor(256)).toEqual({ bits: 8, base: 256, perFloat: 3, perCell: 12 })
    expect(packingFor(257)).toEqual({ bits: 9, base: 512, perFloat: 2, perCell: 8 })
    expect(packingFor(4096)).toEqual({ bits: 12, base: 4096, perFloat: 2, perCell: 8 })
    expect(packingFor(1)).toEqual({ bits: 1, base: 2, perFloat: 24, perCell: 96 })
  })
})

describe('unpackIds', () => {
  fcTest.prop([fc.integer({ min: 2, max: 4096 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 9 }), fc.integer()])(
    'round-trips ids packed in quad-interleaved cells (any E, k, rows)',
    (numExperts, k, rows, seed) => {
      const packing = packingFor(numExperts)
      const idGroups = Math.ceil(k / packing.perCell)
      const ids = Int32Array.from({ length: rows * k }, (_, i) => Math.abs((seed * 31 + i * 977) % numExperts))
      const cells = Math.ceil(rows / 4) * 4 * idGroups
      const flat = new Float32Array(cells * 4)
      for (let t = 0; t < rows; t++) {
        for (let g = 0; g < idGroups; g++) {
          const cell = (t >> 2) * 4 * idGroups + g * 4 + (t & 3)
          for (let f = 0; f < 4; f++) {
            let v = 0
            for (let p = 0; p < packing.perFloat; p++) {
              const slot = g * packing.perCell + f * packing.perFloat + p
              v = v * packing.base + (slot < k ? ids[t * k + slot]! : 0)
            }
            flat[cell * 4 + f] = v
          }
        }
      }
      const out = new Int32Array(rows * k)
      expect(unpackIds(flat, rows, k, idGroups, idGroups, packing, out, 0)).toEqual([])
      expect(Array.from(out)).toEqual(Array.from(ids))
    },
  )

  it('reports rows whose first float is negative (failed draws)', () => {
    const packing = packingFor(16)
    const flat = new Float32Array(16)
    flat[4] = -1
    expect(unpackIds(flat, 4, 2, 1, 1, packing, new Int32Array(8), 0)).toEqual([1])
  })
})

describe('polynomial exp (webasm kernels)', () => {
  it('matches Math.exp within 3e-7 relative on [-80, 0]', async () => {
    const { GPU } = await loadGpuModule()
    const gpu = new GPU({ mode: 'webasm' })
    try {
      const n = 4096
      const xs = Float32Array.from({ length: n }, (_, i) => -80 * (i / (n - 1)) ** 2)
      const kernel = gpu.createKernel(`function (xs) {\nlet y = 0.0;\n${expStatements('y', 'xs[this.thread.x]', 't', true)}\nreturn y;\n}`, {
        output: [n],
        precision: 'single',
      })
      const ys = kernel(xs) as Float32Array
      let worst = 0
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(ys[i]! / Math.exp(xs[i]!) - 1))
      const bad = Array.from(xs)
        .map((x, i) => [x, ys[i]!, Math.exp(x)])
        .filter(([, y, e]) => Math.abs(y! / e! - 1) > 3e-7)
        .slice(0, 5)
      expect(bad).toEqual([])
      expect(worst).toBeLessThan(3e-7)
    } finally {
      gpu.destroy()
    }
  })
})
