import { describe, expect, it } from 'vitest'
import { InfeasibleTargetError, InvalidArgumentError, indexArrayToInt32 } from '@routesim/core'
import { balancedness, expertCounts, gini, maxOverMean, rankLoads } from '@routesim/analysis'
import { hidden, shapeOnly } from '../test/statistics.ts'
import { apportionCounts } from './apportion.ts'
import { assignExactCounts } from './exact-assignment.ts'
import { createPrng } from '@routesim/core'
import { createTargetBalancednessStrategy, createTargetGiniStrategy, createTargetMaxOverMeanStrategy } from './target-strategies.ts'
import { solveTargetCounts, targetRange } from './target-solver.ts'

const E = 256
const K = 8
const TOKENS = [512, 2048, 8192]

function routed(strategy: { routeTokens: Function }, T: number, numExperts = E, k = K): Int32Array {
  const [, ids] = strategy.routeTokens(hidden(T), shapeOnly(T, numExperts), k, 'int32', { layer: 3 })
  const plain = indexArrayToInt32(ids.data)
  for (let t = 0; t < T; t++) {
    if (new Set(plain.subarray(t * k, t * k + k)).size !== k) throw new Error(`token ${t} repeats an expert`)
  }
  return plain
}

function within(measured: number, target: number, tol = 0.02): void {
  expect(Math.abs(measured / target - 1), `measured ${measured} vs target ${target}`).toBeLessThanOrEqual(tol)
}

describe('target solvers hit ±2% measured with @routesim/analysis (grid: targets × EP × tokens)', () => {
  for (const ep of [8, 16, 32, 64]) {
    it(`balancedness, EP=${ep}`, () => {
      const [lo] = targetRange('balancedness', E, K, ep)
      const targets = [lo * 1.05, 0.25, 0.5, 0.8, 0.95, 1].filter((t) => t >= lo)
      for (const T of TOKENS) {
        for (const target of targets) {
          const s = createTargetBalancednessStrategy({ target, epSize: ep }, { seed: T + ep })
          const ids = routed(s, T)
          within(balancedness(rankLoads(expertCounts(ids, E), ep)), target)
          // A second call (fresh placement) measures the same.
          within(balancedness(rankLoads(expertCounts(routed(s, T), E), ep)), target)
        }
      }
    })
  }

  it('balancedness with round_robin placement', () => {
    for (const target of [0.3, 0.6, 0.9]) {
      const s = createTargetBalancednessStrategy({ target, epSize: 16, placement: 'round_robin' }, { seed: 1 })
      within(balancedness(rankLoads(expertCounts(routed(s, 4096), E), 16, 'round_robin')), target)
    }
  })

  it('gini of expert loads', () => {
    for (const T of TOKENS) {
      for (const target of [0.05, 0.105, 0.15, 0.24, 0.38, 0.6, 0.9, 0.968]) {
        within(gini(expertCounts(routed(createTargetGiniStrategy({ target }, { seed: T }), T), E)), target)
      }
    }
  })

  it('max/mean expert load', () => {
    for (const T of TOKENS) {
      for (const target of [1.1, 1.5, 2, 4, 7, 16, 31]) {
        const mean = (T * K) / E
        // max/mean is M/mean for an integer max M ≤ T: reachable iff some integer M lands within ±2%.
        const reachable = Math.abs(Math.round(target * mean) / mean / target - 1) <= 0.02
        const s = createTargetMaxOverMeanStrategy({ target }, { seed: T })
        if (reachable) within(maxOverMean(expertCounts(routed(s, T), E)), target)
        else expect(() => routed(s, T)).toThrow(InfeasibleTargetError)
      }
    }
  })

  it('other sizes: E=64, k=6 and E=8, k=2', () => {
    within(gini(expertCounts(routed(createTargetGiniStrategy({ target: 0.3 }), 1000, 64, 6), 64)), 0.3)
    within(balancedness(rankLoads(expertCounts(routed(createTargetBalancednessStrategy({ target: 0.6, epSize: 4 }), 1000, 8, 2), 8), 4)), 0.6)
  })

  it('the realised counts are exactly the solved counts (not just their expectation)', () => {
    const s = createTargetGiniStrategy({ target: 0.4 }, { seed: 9 })
    const solved = Array.from(s.solve(E, 2048, K).counts).sort((a, b) => a - b)
    const realised = Array.from(expertCounts(routed(s, 2048), E)).sort((a, b) => a - b)
    expect(realised).toEqual(solved)
  })
})

describe('infeasible targets are rejected with InfeasibleTargetError', () => {
  it('balancedness below max(1/EP, k/E) or above 1', () => {
    const s = createTargetBalancednessStrategy({ target: 0.1, epSize: 8 })
    expect(() => routed(s, 1024)).toThrow(InfeasibleTargetError)
    expect(() => routed(s, 1024)).toThrow(/Reachable with these sizes: \[0\.125, 1\]/)
    // k/E binds when k > E/EP: E=64, k=8, EP=16 → ≥ 0.125
    expect(() => routed(createTargetBalancednessStrategy({ target: 0.0626, epSize: 16 }), 1024, 64, 8)).toThrow(InfeasibleTargetError)
    expect(() => createTargetBalancednessStrategy({ target: 1.2 })).toThrow(InvalidArgumentError)
  })
  it('gini above 1 − k/E, max/mean above E/k or below 1', () => {
    expect(() => routed(createTargetGiniStrategy({ target: 0.98 }), 1024)).toThrow(InfeasibleTargetError)
    expect(() => routed(createTargetMaxOverMeanStrategy({ target: 33 }), 1024)).toThrow(InfeasibleTargetError)
    expect(() => createTargetMaxOverMeanStrategy({ target: 0.9 })).toThrow(InvalidArgumentError)
    expect(() => createTargetGiniStrategy({ target: -0.1 })).toThrow(InvalidArgumentError)
  })
  it('too few tokens to resolve the target within ±2% (names the nearest reachable value)', () => {
    expect(() => routed(createTargetMaxOverMeanStrategy({ target: 1.05 }), 256)).toThrow(/nearest reachable value is 1 /)
  })
  it('EP size that does not divide E', () => {
    expect(() => routed(createTargetBalancednessStrategy({ epSize: 3 }), 256)).toThrow(InvalidArgumentError)
  })
})

describe('exact realisation building blocks', () => {
  it('apportionCounts sums to the total, respects the cap, follows the weights', () => {
    const c = apportionCounts([10, 5, 1, 1, 0], 30, 12)
    expect(Array.from(c).reduce((a, b) => a + b, 0)).toBe(30)
    expect(Math.max(...c)).toBeLessThanOrEqual(12)
    expect(c[4]).toBe(0)
    expect(c[0]).toBe(12)
  })
  it('assignExactCounts realises any feasible counts with distinct experts per token', () => {
    const prng = createPrng(1)
    const counts = Int32Array.from([7, 7, 3, 1, 0, 3, 7, 0])
    const ids = new Int32Array(7 * 4)
    assignExactCounts(counts, 7, 4, prng, ids)
    expect(Array.from(expertCounts(ids, 8))).toEqual(Array.from(counts))
    for (let t = 0; t < 7; t++) expect(new Set(ids.subarray(t * 4, t * 4 + 4)).size).toBe(4)
    expect(() => assignExactCounts(Int32Array.from([8, 6, 7, 7]), 7, 4, prng, ids)).toThrow(/counts\[0\]/)
  })
  it('solveTargetCounts reports the value and the Zipf exponent it used', () => {
    const sol = solveTargetCounts({ metric: 'gini', target: 0.3, numExperts: 64, numTokens: 500, topK: 4 })
    expect(Math.abs(sol.value / 0.3 - 1)).toBeLessThanOrEqual(0.02)
    expect(sol.exponent).toBeGreaterThan(0)
  })
})
