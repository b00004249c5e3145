import { describe, expect, it } from 'vitest'
import { createPrng, InvalidArgumentError } from '@routesim/core'
import { createAliasTable, sampleAlias } from './alias-table.ts'
import { chiSquareTest } from './special-functions.ts'

describe('createAliasTable', () => {
  it('represents exactly the normalised weights (column mass reconstruction)', () => {
    const w = [3, 0, 1, 7.5, 0.001, 2, 0, 9]
    const t = createAliasTable(w)
    const mass = new Float64Array(w.length)
    for (let i = 0; i < w.length; i++) {
      mass[i] = mass[i]! + t.threshold[i]! / w.length
      mass[t.alias[i]!] = mass[t.alias[i]!]! + (1 - t.threshold[i]!) / w.length
    }
    const total = w.reduce((a, b) => a + b, 0)
    for (let i = 0; i < w.length; i++) expect(mass[i]).toBeCloseTo(w[i]! / total, 12)
    expect(t.support).toBe(6)
  })

  it('draws match the weights by χ² over 40 seeds (≤ 3 rejections at α = 0.01), zero weights never', () => {
    const w = [1, 0, 2, 3, 0.5, 8, 0, 4, 1.5, 0.25]
    const t = createAliasTable(w)
    let rejections = 0
    for (let seed = 0; seed < 40; seed++) {
      const prng = createPrng(seed, 'alias')
      const counts = new Float64Array(w.length)
      for (let i = 0; i < 5000; i++) counts[sampleAlias(t, prng)]! += 1
      expect(counts[1]).toBe(0)
      expect(counts[6]).toBe(0)
      if (chiSquareTest(counts, t.probabilities).pValue < 0.01) rejections++
    }
    expect(rejections).toBeLessThanOrEqual(3)
  })

  it('rejects NaN, negative, empty and all-zero weights naming the entry', () => {
    expect(() => createAliasTable([1, Number.NaN])).toThrow(/weights\[1\]: NaN/)
    expect(() => createAliasTable([1, -1])).toThrow(InvalidArgumentError)
    expect(() => createAliasTable([])).toThrow(InvalidArgumentError)
    expect(() => createAliasTable([0, 0, 0], 'zipf.weights')).toThrow(/zipf\.weights/)
  })
})
