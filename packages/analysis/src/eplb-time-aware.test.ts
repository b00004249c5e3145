import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { InvalidArgumentError, ShapeMismatchError } from '@routesim/core'
import { rebalanceExpertsTimeAware } from './eplb-time-aware.ts'
import { rebalanceExperts } from './eplb.ts'
import golden from './__fixtures__/eplb-vec-golden.json' with { type: 'json' }

describe('rebalanceExpertsTimeAware (SGLang deepseek_vec)', () => {
  it('matches 30 golden cases from an op-for-op numpy translation of deepseek_vec.py', () => {
    expect(golden.cases).toHaveLength(30)
    for (const c of golden.cases) {
      const plan = rebalanceExpertsTimeAware(c.stepLoads, {
        numReplicas: c.numReplicas,
        numGpus: c.numGpus,
        hierarchical: c.hierarchical,
        numGroups: c.numGroups,
        numNodes: c.numNodes,
      })
      const label = JSON.stringify({ ...c, stepLoads: undefined })
      expect([...plan.physicalToLogical.data], label).toEqual(c.physicalToLogical.flat())
      expect([...plan.logicalReplicaCount.data], label).toEqual(c.logicalReplicaCount.flat())
    }
  })

  it('replicates by summed per-step maxima, not by summed load (unlike DeepSeek rebalance_experts)', () => {
    // Step 0: experts 0 and 1 busy; step 1: only expert 2. Summed loads [80, 70, 60] make DeepSeek replicate
    // expert 0, which still leaves step 0 at 70. Replicating expert 2 halves step 1: Σ max 80 + 30 = 110 < 70 + 60.
    const stepLoads = [[[80, 70, 0]], [[0, 0, 60]]]
    const timeAware = rebalanceExpertsTimeAware(stepLoads, { numReplicas: 4, numGpus: 1 })
    expect([...timeAware.logicalReplicaCount.data]).toEqual([1, 1, 2])
    const summed = rebalanceExperts([[80, 70, 60]], { numReplicas: 4, numGroups: 1, numNodes: 1, numGpus: 1 })
    expect([...summed.logicalReplicaCount.data]).toEqual([2, 1, 1])
  })

  test.prop([
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 2, max: 10 }),
    fc.integer({ min: 0, max: 6 }),
    fc.integer({ min: 1, max: 3 }),
    fc.array(fc.nat({ max: 1000 }), { minLength: 200, maxLength: 200 }),
  ])('every expert keeps a replica, counts sum to the slots, GPUs hold equal slot counts', (numSteps, numLogical, extra, perGpu, pool) => {
    const numPhysical = Math.ceil((numLogical + extra) / perGpu) * perGpu
    const stepLoads = Array.from({ length: numSteps }, (_, s) => [pool.slice(s * numLogical, (s + 1) * numLogical)])
    const plan = rebalanceExpertsTimeAware(stepLoads, { numReplicas: numPhysical, numGpus: numPhysical / perGpu })
    const seen = new Int32Array(numLogical)
    for (const e of plan.physicalToLogical.data) seen[e]!++
    expect([...seen]).toEqual([...plan.logicalReplicaCount.data])
    expect(seen.every((c) => c >= 1)).toBe(true)
    expect(seen.reduce((a, b) => a + b, 0)).toBe(numPhysical)
  })

  it('rejects bad sizes and ragged steps with typed errors', () => {
    const steps = [[[1, 2, 3, 4]]]
    expect(() => rebalanceExpertsTimeAware(steps, { numReplicas: 3, numGpus: 1 })).toThrow(/numReplicas/)
    expect(() => rebalanceExpertsTimeAware(steps, { numReplicas: 6, numGpus: 4 })).toThrow(/numGpus/)
    expect(() => rebalanceExpertsTimeAware(steps, { numReplicas: 8, numGpus: 2, hierarchical: true, numGroups: 3, numNodes: 1 })).toThrow(/numGroups/)
    expect(() => rebalanceExpertsTimeAware(steps, { numReplicas: 8, numGpus: 2, hierarchical: true, numGroups: 2, numNodes: 4 })).toThrow(InvalidArgumentError)
    expect(() => rebalanceExpertsTimeAware([[[1, 2]], [[1, 2, 3]]], { numReplicas: 4, numGpus: 1 })).toThrow(ShapeMismatchError)
    expect(() => rebalanceExpertsTimeAware([], { numReplicas: 4, numGpus: 1 })).toThrow(/stepLoads/)
  })
})
