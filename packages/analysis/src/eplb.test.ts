import { describe, expect, it } from 'vitest'
import { rebalanceExperts } from './eplb.ts'

const README_WEIGHT = [
  [90, 132, 40, 61, 104, 165, 39, 4, 73, 56, 183, 86],
  [20, 107, 104, 64, 19, 197, 187, 157, 172, 86, 16, 27],
]

describe('rebalanceExperts', () => {
  it('reproduces the deepseek-ai/EPLB README example exactly', () => {
    const plan = rebalanceExperts(README_WEIGHT, { numReplicas: 16, numGroups: 4, numNodes: 2, numGpus: 8 })
    expect(plan.policy).toBe('hierarchical')
    expect(plan.physicalToLogical.shape).toEqual([2, 16])
    expect([...plan.physicalToLogical.data]).toEqual([5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1, 7, 10, 6, 8, 6, 11, 8, 9, 2, 4, 5, 1, 5, 0, 3, 1])
  })
})

import { fc, test } from '@fast-check/vitest'
import { InvalidArgumentError, ShapeMismatchError } from '@routesim/core'
import { balancedPacking, replicateExperts } from './eplb.ts'

/** Random valid EPLB sizes: E = groups·groupSize, nodes | groups (or not, for auto/global), gpus = nodes·g, slots = gpus·s ≥ E. */
const sizesArb = fc
  .record({
    numNodes: fc.integer({ min: 1, max: 4 }),
    groupsPerNode: fc.integer({ min: 1, max: 3 }),
    groupSize: fc.integer({ min: 1, max: 6 }),
    gpusPerNode: fc.integer({ min: 1, max: 4 }),
    extraSlotsPerGpu: fc.integer({ min: 0, max: 3 }),
    numLayers: fc.integer({ min: 1, max: 3 }),
    policy: fc.constantFrom('auto', 'hierarchical', 'global'),
    skewed: fc.boolean(),
  })
  .chain((s) => {
    const numGroups = s.numNodes * s.groupsPerNode
    const numLogical = numGroups * s.groupSize
    const numGpus = s.numNodes * s.gpusPerNode
    const slotsPerGpu = Math.ceil(numLogical / numGpus) + s.extraSlotsPerGpu
    const weightArb = fc.array(
      fc.array(s.skewed ? fc.integer({ min: 0, max: 5 }).map((v) => v * v * v * 40) : fc.integer({ min: 0, max: 500 }), {
        minLength: numLogical,
        maxLength: numLogical,
      }),
      { minLength: s.numLayers, maxLength: s.numLayers },
    )
    return weightArb.map((weight) => ({
      weight,
      options: { numReplicas: numGpus * slotsPerGpu, numGroups, numNodes: s.numNodes, numGpus, policy: s.policy as 'auto' },
      slotsPerGpu,
    }))
  })

describe('rebalanceExperts invariants', () => {
  test.prop([sizesArb])('every logical expert keeps a replica and counts sum to the physical slots', ({ weight, options }) => {
    const plan = rebalanceExperts(weight, options)
    const [numLayers, numLogical] = plan.logicalReplicaCount.shape as [number, number]
    for (let l = 0; l < numLayers; l++) {
      let sum = 0
      const seen = new Int32Array(numLogical)
      for (let p = 0; p < options.numReplicas; p++) seen[plan.physicalToLogical.data[l * options.numReplicas + p]!]!++
      for (let e = 0; e < numLogical; e++) {
        const c = plan.logicalReplicaCount.data[l * numLogical + e]!
        expect(c).toBeGreaterThanOrEqual(1)
        expect(seen[e]).toBe(c)
        sum += c
      }
      expect(sum).toBe(options.numReplicas)
    }
  })

  test.prop([sizesArb])('fills every GPU with the same number of valid slots', ({ weight, options, slotsPerGpu }) => {
    const plan = rebalanceExperts(weight, options)
    const numLogical = weight[0]!.length
    for (let l = 0; l < weight.length; l++) {
      const perGpu = new Int32Array(options.numGpus)
      for (let p = 0; p < options.numReplicas; p++) {
        const e = plan.physicalToLogical.data[l * options.numReplicas + p]!
        if (e >= 0 && e < numLogical) perGpu[Math.floor(p / slotsPerGpu)]!++
      }
      expect([...perGpu]).toEqual(new Array(options.numGpus).fill(slotsPerGpu))
    }
  })

  test.prop([sizesArb])('maps are mutually inverse: logicalToPhysical[e][rank] holds e at that replica rank', ({ weight, options }) => {
    const plan = rebalanceExperts(weight, options)
    const [numLayers, numLogical, maxReplicas] = plan.logicalToPhysical.shape as [number, number, number]
    for (let l = 0; l < numLayers; l++) {
      for (let e = 0; e < numLogical; e++) {
        const count = plan.logicalReplicaCount.data[l * numLogical + e]!
        for (let r = 0; r < maxReplicas; r++) {
          const p = plan.logicalToPhysical.data[(l * numLogical + e) * maxReplicas + r]!
          if (r >= count) expect(p).toBe(-1)
          else {
            expect(plan.physicalToLogical.data[l * options.numReplicas + p]).toBe(e)
            expect(plan.replicaRank.data[l * options.numReplicas + p]).toBe(r)
          }
        }
      }
    }
  })

  test.prop([sizesArb])('hierarchical keeps each expert group on one node, and each node holds the same number of slots', ({ weight, options }) => {
    const plan = rebalanceExperts(weight, options)
    if (plan.policy !== 'hierarchical') return
    const numLogical = weight[0]!.length
    const groupSize = numLogical / options.numGroups
    const slotsPerNode = options.numReplicas / options.numNodes
    for (let l = 0; l < weight.length; l++) {
      const nodeOfGroup = new Map<number, number>()
      for (let p = 0; p < options.numReplicas; p++) {
        const group = Math.floor(plan.physicalToLogical.data[l * options.numReplicas + p]! / groupSize)
        const node = Math.floor(p / slotsPerNode)
        expect(nodeOfGroup.get(group) ?? node).toBe(node)
        nodeOfGroup.set(group, node)
      }
    }
  })

  test.prop([sizesArb])('replication never leaves a replica busier than the heaviest expert', ({ weight, options }) => {
    // Per-replica load is w/count; replication only splits load, so max replica load ≤ max expert load.
    const plan = rebalanceExperts(weight, options)
    const numLogical = weight[0]!.length
    for (let l = 0; l < weight.length; l++) {
      const maxExpert = Math.max(...weight[l]!)
      for (let e = 0; e < numLogical; e++) {
        expect(weight[l]![e]! / plan.logicalReplicaCount.data[l * numLogical + e]!).toBeLessThanOrEqual(maxExpert)
      }
    }
  })

  it('is deterministic and breaks ties to the lowest index when all loads are equal', () => {
    const plan = rebalanceExperts([[0, 0, 0, 0]], { numReplicas: 6, numGroups: 1, numNodes: 1, numGpus: 2 })
    // w/count is 0 everywhere, so argmax (first maximum) gives both extra slots to expert 0, as torch does;
    // packing then fills GPU 0 in index order — and puts two replicas of expert 0 on GPU 1 (PR #18343 thread).
    expect([...plan.logicalReplicaCount.data]).toEqual([3, 1, 1, 1])
    expect([...plan.physicalToLogical.data]).toEqual([0, 1, 2, 3, 0, 0])
    expect(rebalanceExperts([[0, 0, 0, 0]], { numReplicas: 6, numGroups: 1, numNodes: 1, numGpus: 2 })).toEqual(plan)
  })

  it('falls back to the global policy under auto when groups do not divide over nodes', () => {
    const plan = rebalanceExperts([[1, 2, 3, 4, 5, 6]], { numReplicas: 8, numGroups: 3, numNodes: 2, numGpus: 4 })
    expect(plan.policy).toBe('global')
  })

  it('rejects bad sizes with typed errors naming the parameter', () => {
    const w = [[1, 2, 3, 4, 5, 6, 7, 8]]
    const cases: [Parameters<typeof rebalanceExperts>[1], string][] = [
      [{ numReplicas: 10, numGroups: 4, numNodes: 2, numGpus: 4 }, 'numGpus'], // EP size does not divide slots
      [{ numReplicas: 8, numGroups: 3, numNodes: 1, numGpus: 4, policy: 'hierarchical' }, 'numGroups'], // E % groups
      [{ numReplicas: 8, numGroups: 4, numNodes: 3, numGpus: 6, policy: 'hierarchical' }, 'numGpus'],
      [{ numReplicas: 12, numGroups: 2, numNodes: 4, numGpus: 4, policy: 'hierarchical' }, 'numGroups'], // groups % nodes
      [{ numReplicas: 8, numGroups: 2, numNodes: 3, numGpus: 4 }, 'numNodes'], // nodes ∤ gpus
      [{ numReplicas: 0, numGroups: 1, numNodes: 1, numGpus: 1 }, 'numReplicas'], // zero replicas
      [{ numReplicas: 4, numGroups: 1, numNodes: 1, numGpus: 1 }, 'numReplicas'], // fewer slots than experts
      [{ numReplicas: 8, numGroups: 1, numNodes: 1, numGpus: 1, policy: 'best' as 'auto' }, 'policy'],
    ]
    for (const [options, parameter] of cases) {
      let error: unknown
      try {
        rebalanceExperts(w, options)
      } catch (e) {
        error = e
      }
      expect(InvalidArgumentError.isInstance(error), JSON.stringify(options)).toBe(true)
      expect((error as InvalidArgumentError).parameter).toBe(parameter)
    }
    expect(() => rebalanceExperts([[1, 2], [1]], { numReplicas: 2, numGroups: 1, numNodes: 1, numGpus: 1 })).toThrow(ShapeMismatchError)
    expect(() => rebalanceExperts([[1, -2]], { numReplicas: 2, numGroups: 1, numNodes: 1, numGpus: 1 })).toThrow(/weight\[0\]\[1\]/)
    expect(() => rebalanceExperts([], { numReplicas: 2, numGroups: 1, numNodes: 1, numGpus: 1 })).toThrow(InvalidArgumentError)
  })

  it('accepts a [layers, experts] tensor', () => {
    const data = new Float32Array(README_WEIGHT.flat())
    const fromTensor = rebalanceExperts({ data, shape: [2, 12] }, { numReplicas: 16, numGroups: 4, numNodes: 2, numGpus: 8 })
    expect(fromTensor).toEqual(rebalanceExperts(README_WEIGHT, { numReplicas: 16, numGroups: 4, numNodes: 2, numGpus: 8 }))
  })
})

describe('balancedPacking and replicateExperts', () => {
  it('pack heaviest first into the lightest pack with room', () => {
    const { packIndex, rankInPack } = balancedPacking([4, 3, 2, 1], 2)
    expect([...packIndex]).toEqual([0, 1, 1, 0])
    expect([...rankInPack]).toEqual([0, 0, 1, 1])
    expect(() => balancedPacking([1, 2, 3], 2)).toThrow(/numPacks/)
  })

  it('replicate the expert with the highest load per replica', () => {
    const r = replicateExperts([10, 30], 4)
    expect([...r.physicalToLogical]).toEqual([0, 1, 1, 1])
    expect([...r.replicaRank]).toEqual([0, 0, 1, 2])
    expect([...r.logicalCount]).toEqual([1, 3])
    expect(() => replicateExperts([1, 2, 3], 2)).toThrow(/numPhysical/)
  })
})

import golden from './__fixtures__/eplb-vllm-golden.json' with { type: 'json' }

describe('rebalanceExperts against vLLM DefaultEplbPolicy (numpy) golden outputs', () => {
  it('matches 40 random hierarchical and global cases exactly', () => {
    expect(golden.cases).toHaveLength(40)
    for (const c of golden.cases) {
      const plan = rebalanceExperts(c.weight, {
        numReplicas: c.numReplicas,
        numGroups: c.numGroups,
        numNodes: c.numNodes,
        numGpus: c.numGpus,
      })
      expect([...plan.physicalToLogical.data], JSON.stringify({ ...c, weight: undefined })).toEqual(c.physicalToLogical.flat())
    }
  })
})
