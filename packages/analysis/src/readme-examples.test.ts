// The numbers the package README promises, checked so the examples cannot drift from the code.
import { describe, expect, it } from 'vitest'
import { createPrng } from '@routesim/core'
import {
  aggregateBalancedness,
  balancedness,
  balancednessReport,
  capacityDrops,
  createBalancednessTracker,
  createExpertMap,
  dispatchStats,
  expectedDistinctExperts,
  expertCounts,
  initialPhysicalToLogical,
  loadSummary,
  mapToPhysical,
  megatronCapacity,
  rankLoads,
  rebalanceExperts,
  slotRanks,
} from './index.ts'

describe('README examples', () => {
  it('run as written and give the stated values', () => {
    const prng = createPrng(0, 'readme')
    const ids = Int32Array.from({ length: 64 * 8 }, () => prng.nextInt(256))
    const counts = expertCounts(ids, 256)
    expect(loadSummary(counts).total).toBe(512)
    const ranks = rankLoads(counts, 32, 'linear')
    expect(balancedness(ranks)).toBeGreaterThan(0)
    expect(expectedDistinctExperts(256, 8, 64)).toBeCloseTo(222.4, 1)

    const loads = [
      [100, 200],
      [100, 200],
    ]
    expect(aggregateBalancedness(loads, 'per_layer_mean')).toBe(0.75)
    expect(aggregateBalancedness(loads, 'token_weighted')).toBe(0.75)
    expect(aggregateBalancedness(loads, 'legacy_vllm_axis_bug')).toBe(1)
    expect(balancednessReport(loads).p90).toBe(0.75)
    expect(createBalancednessTracker().record(loads).windows[0]!.window).toBe(10)

    const map = createExpertMap(initialPhysicalToLogical(256, 288), { numLogical: 256, epSize: 32 })
    const physical = mapToPhysical(ids, 8, map, 'modulo')
    const d = dispatchStats(physical, 8, map, { numNodes: 4 })
    expect(d.rankSlotLoads.reduce((a, b) => a + b, 0)).toBe(512)
    const direct = dispatchStats(ids, 8, { slotRank: slotRanks(256, 32, 'round_robin'), numRanks: 32 })
    expect(direct.rankSlotLoads.reduce((a, b) => a + b, 0)).toBe(512)

    const plan = rebalanceExperts(
      [
        [90, 132, 40, 61, 104, 165, 39, 4, 73, 56, 183, 86],
        [20, 107, 104, 64, 19, 197, 187, 157, 172, 86, 16, 27],
      ],
      { numReplicas: 16, numGroups: 4, numNodes: 2, numGpus: 8 },
    )
    expect([...plan.physicalToLogical.data.slice(0, 4)]).toEqual([5, 6, 5, 7])

    const C = megatronCapacity({ numTokens: 4096, numExperts: 64, topK: 8, capacityFactor: 1.25 })
    expect(C).toBe(640)
    expect(capacityDrops(counts, 1).capacity).toBe(1)
  })
})
