import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { InvalidArgumentError, LimitExceededError } from '@routesim/core'
import {
  expertCounts,
  loadSummary,
  maxOverMean,
  rankLoads,
  rebalanceExperts,
  rebalanceExpertsTimeAware,
  replicateExperts,
  sglangUtilization,
} from '../../src/index.ts'

describe('hostile: oversize requests are refused before allocating (they died in RangeErrors after allocating)', () => {
  it('expertCounts(ids, 2^31)', () => {
    const run = () => expertCounts(new Int32Array([0, 1]), 2 ** 31)
    expect(run).toThrow(LimitExceededError)
    expect(run).toThrow('Invalid numExperts: 2147483648 exceeds the limit on experts (at most 1,048,576).')
  })

  it('rebalanceExperts with 2^30 replicas', () => {
    const run = () => rebalanceExperts([[1, 2, 3, 4]], { numReplicas: 2 ** 30, numGroups: 1, numNodes: 1, numGpus: 1 })
    expect(run).toThrow(LimitExceededError)
    expect(run).toThrow(/numReplicas: 1073741824 exceeds the limit on physical expert slots/)
    expect(() => replicateExperts([1, 2], 2 ** 30)).toThrow(LimitExceededError)
  })

  it('an EPLB window of 2^20 steps', () => {
    const step = [[1, 2, 3, 4]]
    const window = new Array<number[][]>(2 ** 20).fill(step)
    const started = performance.now()
    expect(() => rebalanceExpertsTimeAware(window, { numReplicas: 4, numGpus: 1 })).toThrow(
      /stepLoads.length \(window steps\): 1048576 exceeds the limit on EPLB window steps \(at most 65,536\)/,
    )
    expect(performance.now() - started).toBeLessThan(1000) // refused before reading a single step
  })

  it('epSize 65536', () => {
    expect(() => rankLoads(new Int32Array(65536), 65536)).toThrow(/epSize: 65536 exceeds the limit on expert-parallel ranks \(at most 16,384\)/)
  })
})

describe('hostile: metrics are right at the edges of float64', () => {
  it('loadSummary([1e308, 1e308]).maxOverMean is 1 (the sum overflowed to Infinity and gave 0)', () => {
    const s = loadSummary([1e308, 1e308])
    expect(s.maxOverMean).toBe(1)
    expect(s.minOverMean).toBe(1)
    expect(s.mean).toBe(1e308)
    expect(s.gini).toBe(0)
    expect(s.cv).toBe(0)
    expect(maxOverMean([1e308, 1e308])).toBe(1)
    expect(loadSummary([Number.MAX_VALUE, 0]).maxOverMean).toBe(2)
  })

  it('sglangUtilization([1, 1], -1) is a typed error, not NaN', () => {
    expect(() => sglangUtilization([1, 1], -1)).toThrow(InvalidArgumentError)
    expect(() => sglangUtilization([1, 1], Number.NaN)).toThrow(/Invalid epsilon/)
    expect(sglangUtilization([0, 0], 0)).toBe(1)
    expect(sglangUtilization([1e308, 1e308, 1e308])).toBe(1)
  })

  test.prop([fc.array(fc.double({ min: 0, max: Number.MAX_VALUE, noNaN: true }), { minLength: 1, maxLength: 64 })], { numRuns: 1000, seed: 21 })(
    'loadSummary is finite and in range for any finite non-negative loads',
    (loads) => {
      const s = loadSummary(loads)
      expect(s.maxOverMean).toBeGreaterThanOrEqual(1 - 1e-12)
      expect(s.maxOverMean).toBeLessThanOrEqual(loads.length * (1 + 1e-12))
      expect(Number.isFinite(s.gini) && s.gini >= 0 && s.gini < 1).toBe(true)
      expect(Number.isFinite(s.std) && Number.isFinite(s.mean)).toBe(true)
      const u = sglangUtilization(loads)
      expect(Number.isFinite(u) && u > 0 && u <= 1 + 1e-12).toBe(true)
    },
  )
})
