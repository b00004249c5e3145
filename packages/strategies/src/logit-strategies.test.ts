import { describe, expect, it } from 'vitest'
import { indexArrayToInt32 } from '@routesim/core'
import { MAX_REJECTIONS, chiSquarePValue, counts, hidden, rejections, shapeOnly } from '../test/statistics.ts'
import { createLogitBiasStrategy, createRandomLogitsStrategy, logitBiasDefinition } from './logit-strategies.ts'

const E = 16
const K = 2

describe('logit_bias (Megatron force_biased) through a real router', () => {
  it('std = 0 is force_load_balancing: N(0,1) logits through softmax_topk give uniform experts (χ², 40 seeds)', () => {
    const r = rejections((seed) => {
      const [, ids] = createLogitBiasStrategy({ std: 0 }, { seed }).routeTokens(hidden(600), shapeOnly(600, E), K)
      return chiSquarePValue(counts(ids.data, E), new Array(E).fill(1 / E))
    })
    expect(r).toBeLessThanOrEqual(MAX_REJECTIONS)
  })

  it('a fixed per-layer bias makes the biased-up experts hot: load rank-correlates with the bias', () => {
    const s = createLogitBiasStrategy({ std: 1.5, fixedPerLayer: true }, { seed: 3 })
    const [, a] = s.routeTokens(hidden(4000), shapeOnly(4000, E), K, 'int32', { layer: 2 })
    const [, b] = s.routeTokens(hidden(4000), shapeOnly(4000, E), K, 'int32', { layer: 2 })
    const ca = counts(a.data, E)
    const cb = counts(b.data, E)
    // Same bias on both calls: the hottest expert is the same and the loads agree closely.
    expect(ca.indexOf(Math.max(...ca))).toBe(cb.indexOf(Math.max(...cb)))
    expect(Math.max(...ca) / ((4000 * K) / E)).toBeGreaterThan(2)
  })

  it('weights are the router weights (renormalised softmax rows sum to 1, descending)', () => {
    const [w] = createLogitBiasStrategy({ std: 1 }, { seed: 1 }).routeTokens(hidden(50), shapeOnly(50, E), 4)
    for (let t = 0; t < 50; t++) {
      const row = Array.from(w.data.subarray(t * 4, t * 4 + 4))
      expect(row.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5)
      expect(row).toEqual([...row].sort((x, y) => y - x))
    }
  })

  it('router chosen by name; unknown router names are rejected listing the real ones', () => {
    const [, ids] = createLogitBiasStrategy({ router: 'llama4_topk' }, { seed: 1 }).routeTokens(hidden(10), shapeOnly(10, E), 1)
    expect(indexArrayToInt32(ids.data).length).toBe(10)
    expect(() => createLogitBiasStrategy({ router: 'nope' })).toThrow(/softmax_topk/)
    expect(() => logitBiasDefinition.create({ std: -1 }, {})).toThrow(/logit_bias\.std/)
  })
})

describe('random_logits (SGLang fake dispatch)', () => {
  it('U(5,10) logits through softmax_topk give uniform experts (χ², 40 seeds)', () => {
    const r = rejections((seed) => {
      const [, ids] = createRandomLogitsStrategy({}, { seed }).routeTokens(hidden(600), shapeOnly(600, E), K)
      return chiSquarePValue(counts(ids.data, E), new Array(E).fill(1 / E))
    })
    expect(r).toBeLessThanOrEqual(MAX_REJECTIONS)
  })
  it('rejects high ≤ low', () => {
    expect(() => createRandomLogitsStrategy({ low: 3, high: 3 })).toThrow(/random_logits\.high/)
  })
})
