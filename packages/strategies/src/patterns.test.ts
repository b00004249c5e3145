import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { InvalidArgumentError, indexArrayToInt32 } from '@routesim/core'
import { MAX_REJECTIONS, chiSquarePValue, counts, hidden, rejections, shapeOnly } from '../test/statistics.ts'
import { createExcludeRankStrategy } from './exclude-rank.ts'
import { createRoundRobinStrategy } from './round-robin.ts'
import { createStridedStrategy } from './strided.ts'
import { balancedTokenCount, createBalancedStrategy, createImbalancedExpertsStrategy, createImbalancedRanksStrategy } from './trtllm-balanced.ts'
import { createUniformSubsetStrategy } from './uniform-subset.ts'

function route(strategy: { routeTokens: Function }, T: number, E: number, k: number): Int32Array {
  const [, ids] = strategy.routeTokens(hidden(T), shapeOnly(T, E), k)
  return indexArrayToInt32(ids.data)
}

function spread(values: ArrayLike<number>): number {
  return Math.max(...Array.from(values)) - Math.min(...Array.from(values))
}

function rankCounts(ids: Int32Array, ep: number, epr: number): Float64Array {
  const out = new Float64Array(ep)
  for (const id of ids) out[Math.floor(id / epr)]! += 1
  return out
}

function rowsDistinct(ids: Int32Array, k: number): boolean {
  for (let t = 0; t < ids.length / k; t++) if (new Set(ids.subarray(t * k, t * k + k)).size !== k) return false
  return true
}

describe('balanced (TRT-LLM self-test)', () => {
  test.prop([fc.integer({ min: 1, max: 34 }), fc.integer({ min: 1, max: 34 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 34 })], {
    numRuns: 300,
  })('rows distinct; per-rank and per-expert counts differ by at most 1', (T, E, k0, ep0) => {
    const k = Math.min(k0, E)
    const ep = ((ep0 - 1) % E) + 1
    fc.pre(E % ep === 0)
    const ids = route(createBalancedStrategy({ epSize: ep }), T, E, k)
    expect(rowsDistinct(ids, k)).toBe(true)
    expect(spread(rankCounts(ids, ep, E / ep))).toBeLessThanOrEqual(1)
    expect(spread(counts(ids, E))).toBeLessThanOrEqual(1)
    for (let t = 0; t < T; t++) {
      const row = Array.from(ids.subarray(t * k, t * k + k))
      expect(row).toEqual([...row].sort((a, b) => a - b))
    }
  })

  it('matches the TRT-LLM formula on a worked case (E=8, ep=4, k=2, dpRank 1 of 2)', () => {
    const ids = route(createBalancedStrategy({ epSize: 4, dpSize: 2, dpRank: 1 }), 2, 8, 2)
    // a = 4..7: (a mod 4)·2 + ⌊a/4⌋ mod 2 → 1, 3, 5, 7
    expect(Array.from(ids)).toEqual([1, 3, 5, 7])
  })
})

describe('imbalanced_ranks / imbalanced_experts', () => {
  it('balanceRatio 0 sends every token to rank 0 (all-to-one)', () => {
    const ids = route(createImbalancedRanksStrategy({ epSize: 4, balanceRatio: 0 }), 100, 32, 4)
    for (const id of ids) expect(id).toBeLessThan(8)
    expect(rowsDistinct(ids, 4)).toBe(true)
  })
  it('balanceRatio 1 is fully balanced; in between, n_b tokens are balanced', () => {
    const full = route(createImbalancedRanksStrategy({ epSize: 4, balanceRatio: 1 }), 100, 32, 4)
    expect(spread(rankCounts(full, 4, 8))).toBeLessThanOrEqual(1)
    const nb = balancedTokenCount(100, 4, 32, 1, 0.5)
    expect(nb).toBe(8 + Math.round(92 * 0.5)) // ⌈E/(dp·k)⌉ = 8 tokens activate every expert
    const mixed = route(createImbalancedRanksStrategy({ epSize: 4, balanceRatio: 0.5 }), 100, 32, 4)
    const rank0 = rankCounts(mixed, 4, 8)[0]!
    expect(rank0).toBe(nb + (100 - nb) * 4) // balanced part gives rank 0 a quarter of its slots
  })
  it('imbalanced_experts keeps ranks balanced but activates only ⌈k/ep⌉ experts per rank', () => {
    const ids = route(createImbalancedExpertsStrategy({ epSize: 4, balanceRatio: 0 }), 200, 64, 6)
    expect(rowsDistinct(ids, 6)).toBe(true)
    expect(spread(rankCounts(ids, 4, 16))).toBeLessThanOrEqual(1)
    const active = Array.from(counts(ids, 64)).filter((c) => c > 0).length
    expect(active).toBe(4 * Math.ceil(6 / 4))
  })
  it('rejects k > experts per rank for all-to-one, and dpRank ≥ dpSize', () => {
    expect(() => route(createImbalancedRanksStrategy({ epSize: 8 }), 4, 16, 4)).toThrow(/topK/)
    expect(() => route(createBalancedStrategy({ dpRank: 2, dpSize: 2 }), 4, 16, 4)).toThrow(/dpRank/)
    expect(() => route(createBalancedStrategy({ epSize: 32 }), 4, 16, 4)).toThrow(/balanced\.epSize/)
  })
})

describe('round_robin (SGLang #37741)', () => {
  test.prop([fc.integer({ min: 1, max: 64 }), fc.constantFrom(8, 16, 32, 64, 128, 256), fc.integer({ min: 1, max: 8 }), fc.constantFrom(1, 2, 4, 8, 16)])(
    'every EP rank gets ⌊T·k/ep⌋ or ⌈T·k/ep⌉ slots and rows are distinct',
    (T, E, k, ep) => {
      fc.pre(ep <= E)
      const ids = route(createRoundRobinStrategy({ epSize: ep }), T, E, k)
      expect(rowsDistinct(ids, k)).toBe(true)
      expect(spread(rankCounts(ids, ep, E / ep))).toBeLessThanOrEqual(1)
    },
  )
  it('fixes the SGLang case E=256, k=8, EP16, 8 tokens: every rank gets 4 slots', () => {
    const ids = route(createRoundRobinStrategy({ epSize: 16 }), 8, 256, 8)
    expect(Array.from(rankCounts(ids, 16, 16))).toEqual(new Array(16).fill(4))
  })
})

describe('uniform patterns: frequencies match their laws (χ², 40 seeds)', () => {
  it('strided: offsets uniform, ids spaced ⌊E/k⌋ apart, every expert equally likely', () => {
    const r = rejections((seed) => {
      const ids = route(createStridedStrategy({}, { seed }), 1000, 20, 3)
      for (let t = 0; t < 1000; t++) {
        expect((ids[t * 3 + 1]! - ids[t * 3]! + 20) % 20).toBe(6)
      }
      return chiSquarePValue(counts(ids, 20), new Array(20).fill(1 / 20))
    })
    expect(r).toBeLessThanOrEqual(MAX_REJECTIONS)
  })
  it('uniform_subset: uniform over [0, m), nothing beyond', () => {
    const r = rejections((seed) => {
      const ids = route(createUniformSubsetStrategy({ subsetSize: 12 }, { seed }), 800, 32, 4)
      const c = counts(ids, 32)
      for (let e = 12; e < 32; e++) expect(c[e]).toBe(0)
      return chiSquarePValue(c.subarray(0, 12), new Array(12).fill(1 / 12))
    })
    expect(r).toBeLessThanOrEqual(MAX_REJECTIONS)
  })
  it('exclude_rank: the excluded rank gets nothing, the rest are uniform', () => {
    const r = rejections((seed) => {
      const ids = route(createExcludeRankStrategy({ epSize: 4, excludedRank: 2 }, { seed }), 800, 32, 4)
      expect(rowsDistinct(ids, 4)).toBe(true)
      const c = counts(ids, 32)
      for (let e = 16; e < 24; e++) expect(c[e]).toBe(0)
      const rest = [...c.subarray(0, 16), ...c.subarray(24)]
      return chiSquarePValue(rest, new Array(24).fill(1 / 24))
    })
    expect(r).toBeLessThanOrEqual(MAX_REJECTIONS)
  })
  it('bad sizes: subset larger than E or smaller than k, excluded rank outside EP, EP not dividing E', () => {
    expect(() => route(createUniformSubsetStrategy({ subsetSize: 40 }), 2, 32, 4)).toThrow(/uniform_subset\.subsetSize/)
    expect(() => route(createUniformSubsetStrategy({ subsetSize: 3 }), 2, 32, 4)).toThrow(InvalidArgumentError)
    expect(() => route(createExcludeRankStrategy({ epSize: 4, excludedRank: 4 }), 2, 32, 4)).toThrow(/excludedRank/)
    expect(() => route(createExcludeRankStrategy({ epSize: 3 }), 2, 32, 4)).toThrow(/exclude_rank\.epSize/)
  })
})
