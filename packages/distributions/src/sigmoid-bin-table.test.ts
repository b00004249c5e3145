import { describe, expect } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { SigmoidBinTable, sigmoidBin } from './sigmoid-bin-table.ts'

describe('SigmoidBinTable', () => {
  test.prop([fc.integer({ min: 1, max: 3000 }), fc.array(fc.double({ min: -40, max: 40, noNaN: true }), { minLength: 1, maxLength: 200 })])(
    'equals clamp(floor(sigmoid(z)·E), 0, E−1) exactly, anywhere',
    (e, zs) => {
      for (const table of [new SigmoidBinTable(e, 4096), new SigmoidBinTable(e)]) {
        for (const z of zs) expect(table.bin(z)).toBe(sigmoidBin(z, e))
      }
    },
  )

  test.prop([fc.integer({ min: 2, max: 3000 }), fc.integer({ min: 1, max: 2999 }), fc.integer({ min: -3, max: 3 })])(
    'equals the formula a few ulps around every bin edge logit(j/E)',
    (e, jRaw, ulps) => {
      const j = 1 + (jRaw % (e - 1 || 1))
      const table = new SigmoidBinTable(e)
      let z = Math.log(j / (e - j))
      const step = Math.max(Math.abs(z), 1e-300) * Number.EPSILON
      z += ulps * step
      expect(table.bin(z)).toBe(sigmoidBin(z, e))
    },
  )

  test.prop([fc.integer({ min: 1, max: 512 }), fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: 0, maxLength: 100 })])(
    'mapInto writes the same bins at an offset',
    (e, zs) => {
      const table = new SigmoidBinTable(e)
      const out = new Int32Array(zs.length + 3).fill(-1)
      table.mapInto(Float64Array.from(zs), zs.length, out, 3)
      expect(Array.from(out.subarray(3))).toEqual(zs.map((z) => sigmoidBin(z, e)))
      expect(Array.from(out.subarray(0, 3))).toEqual([-1, -1, -1])
    },
  )
})
