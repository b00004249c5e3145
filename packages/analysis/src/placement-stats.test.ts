import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { InvalidArgumentError } from '@routesim/core'
import { comparePlacements, duplicateReplicasOnSameGpu, predictedRankLoads } from './placement-stats.ts'
import { createExpertMap } from './expert-map.ts'
import { rebalanceExperts } from './eplb.ts'
import { balancedness } from './balancedness.ts'

describe('placement statistics', () => {
  it('counts duplicate replicas on one GPU', () => {
    expect(duplicateReplicasOnSameGpu([0, 1, 2, 3, 0, 0], 2)).toBe(1)
    expect(duplicateReplicasOnSameGpu([0, 0, 0, 0], 1)).toBe(3)
    expect(duplicateReplicasOnSameGpu([0, 1, 0, 1], 2)).toBe(0)
    expect(() => duplicateReplicasOnSameGpu([0, 1, 2], 2)).toThrow(/epSize/)
  })

  it('compares placements: slots changed, transfers and experts moved', () => {
    expect(comparePlacements([0, 1, 2, 3], [0, 2, 1, 3], 2)).toEqual({ slotsChanged: 2, expertTransfers: 2, expertsMoved: 2 })
    // Swapping slots inside a GPU changes slots but moves nothing across GPUs.
    expect(comparePlacements([0, 1, 2, 3], [1, 0, 2, 3], 2)).toEqual({ slotsChanged: 2, expertTransfers: 0, expertsMoved: 0 })
    // Replacing a redundant replica of 0 on GPU 1 with one of 3: one transfer, two experts' GPU sets change.
    expect(comparePlacements([0, 1, 2, 0], [0, 1, 2, 3], 2)).toEqual({ slotsChanged: 1, expertTransfers: 1, expertsMoved: 2 })
    expect(() => comparePlacements([0, 1], [0, 1, 2, 3], 2)).toThrow(InvalidArgumentError)
  })

  it('predicts rank loads by splitting expert load evenly over replicas', () => {
    const map = createExpertMap([0, 1, 0, 1], { numLogical: 2, epSize: 2 })
    expect([...predictedRankLoads([30, 10], map)]).toEqual([20, 20])
    expect(() => predictedRankLoads([1, 2, 3], map)).toThrow(/logicalLoads.length/)
  })

  test.prop([fc.array(fc.nat({ max: 1000 }), { minLength: 16, maxLength: 16 })])(
    'conserves load: predicted rank loads of an EPLB plan sum to the logical load',
    (w) => {
      const plan = rebalanceExperts([w], { numReplicas: 20, numGroups: 1, numNodes: 1, numGpus: 4 })
      const map = createExpertMap(plan.physicalToLogical.data, { numLogical: 16, epSize: 4, replicaRank: plan.replicaRank.data })
      const predicted = predictedRankLoads(w, map)
      expect(predicted.reduce((a, b) => a + b, 0)).toBeCloseTo(
        w.reduce((a, b) => a + b, 0),
        6,
      )
    },
  )

  it('EPLB raises predicted balancedness for a skewed layer (one hot expert)', () => {
    const w = [800, ...Array.from({ length: 15 }, () => 100)]
    const linear = createExpertMap(
      Array.from({ length: 16 }, (_, i) => i),
      { numLogical: 16, epSize: 4 },
    )
    const plan = rebalanceExperts([w], { numReplicas: 20, numGroups: 1, numNodes: 1, numGpus: 4 })
    const map = createExpertMap(plan.physicalToLogical.data, { numLogical: 16, epSize: 4, replicaRank: plan.replicaRank.data })
    const before = balancedness(predictedRankLoads(w, linear)) // ranks [1100, 400, 400, 400] → 575/1100
    const after = balancedness(predictedRankLoads(w, map))
    expect(before).toBeCloseTo(575 / 1100, 12)
    expect(after).toBeGreaterThan(0.9)
  })
})

import { preserveIntraGpuSlots } from './placement-stats.ts'

describe('preserveIntraGpuSlots', () => {
  it('keeps staying experts in their old slot and fills the rest in order', () => {
    expect([...preserveIntraGpuSlots([1, 0, 3, 2], [0, 1, 2, 3], 2)]).toEqual([0, 1, 2, 3])
    // GPU 0 keeps 1 (old slot 1) and receives 4 in the freed slot 0; GPU 1 keeps 2 and 3.
    expect([...preserveIntraGpuSlots([1, 4, 3, 2], [0, 1, 2, 3], 2)]).toEqual([4, 1, 2, 3])
  })

  test.prop([fc.array(fc.nat({ max: 5 }), { minLength: 12, maxLength: 12 }), fc.array(fc.nat({ max: 5 }), { minLength: 12, maxLength: 12 })])(
    'never changes the experts on a GPU and never increases slots changed',
    (before, after) => {
      const out = preserveIntraGpuSlots(after, before, 3)
      for (let g = 0; g < 3; g++) {
        const a = after.slice(g * 4, g * 4 + 4).sort()
        const b = [...out.subarray(g * 4, g * 4 + 4)].sort()
        expect(b).toEqual(a)
      }
      expect(comparePlacements(before, out, 3).slotsChanged).toBeLessThanOrEqual(comparePlacements(before, after, 3).slotsChanged)
    },
  )
})
