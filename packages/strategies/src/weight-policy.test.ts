import { describe, expect, it } from 'vitest'
import { InvalidArgumentError, InvalidLogitsError, indexArrayToInt32 } from '@routesim/core'
import { hidden, shapeOnly } from '../test/statistics.ts'
import { createZipfStrategy } from './zipf.ts'

describe('weight policies', () => {
  it("'dirichlet': rows on the simplex with marginal mean 1/k and variance (k−1)/(k²(kα+1))", () => {
    const k = 4
    const alpha = 2
    const s = createZipfStrategy({ weightPolicy: 'dirichlet', weightConcentration: alpha }, { seed: 1 })
    const [w] = s.routeTokens(hidden(20000), shapeOnly(20000, 16), k)
    let m = 0
    let m2 = 0
    for (let t = 0; t < 20000; t++) {
      const row = w.data.subarray(t * k, t * k + k)
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
      m += row[0]!
      m2 += row[0]! ** 2
    }
    m /= 20000
    expect(m).toBeCloseTo(1 / k, 2)
    expect(m2 / 20000 - m * m).toBeCloseTo((k - 1) / (k * k * (k * alpha + 1)), 3)
  })

  it("'router': softmax of the given logits over the chosen ids", () => {
    const logits = new Float32Array([0, 1, 2, 3, 3, 2, 1, 0])
    const s = createZipfStrategy({ weightPolicy: 'router' }, { seed: 1 })
    const [w, ids] = s.routeTokens(hidden(2), { data: logits, shape: [2, 4] }, 2)
    const plain = indexArrayToInt32(ids.data)
    for (let t = 0; t < 2; t++) {
      const a = Math.exp(logits[t * 4 + plain[t * 2]!]!)
      const b = Math.exp(logits[t * 4 + plain[t * 2 + 1]!]!)
      expect(w.data[t * 2]).toBeCloseTo(a / (a + b), 6)
    }
  })

  it("'router' needs logit values, and finite ones", () => {
    const s = createZipfStrategy({ weightPolicy: 'router' })
    expect(() => s.routeTokens(hidden(2), shapeOnly(2, 4), 2)).toThrow(InvalidArgumentError)
    expect(() => s.routeTokens(hidden(1), { data: new Float32Array([0, Number.NaN, 0, 0]), shape: [1, 4] }, 4)).toThrow(InvalidLogitsError)
  })

  it("'ones' (seed) and 'mean' (1/k)", () => {
    const [ones] = createZipfStrategy().routeTokens(hidden(3), shapeOnly(3, 8), 4)
    expect(Array.from(ones.data)).toEqual(new Array(12).fill(1))
    const [mean] = createZipfStrategy({ weightPolicy: 'mean' }).routeTokens(hidden(3), shapeOnly(3, 8), 4)
    expect(Array.from(mean.data)).toEqual(new Array(12).fill(Math.fround(0.25)))
    expect(() => createZipfStrategy({ weightPolicy: 'softmax' })).toThrow(/zipf\.weightPolicy/)
  })
})
