import { describe, expect, it } from 'vitest'
import {
  countTokensWithDuplicateIds,
  createExpertMap,
  createRankDispatchTable,
  dispatchStats,
  initialPhysicalToLogical,
  mapToPhysical,
  type ExpertMap,
  type ReplicaPolicy,
} from '@routesim/analysis'
import { InvalidArgumentError, createPrng, type DeviceDraw, type DeviceStep, type DeviceStepStats } from '@routesim/core'
import { createGpuBackend } from '@routesim/gpu'
import { createNodeWebGpu } from '@routesim/gpu/node'
import { createSimulator } from '@routesim/simulator'
import { chiSquareTest } from '@routesim/testing'

// The scenario step on the device (webgpu's openDeviceStep) against the host analysis the loop uses elsewhere.
// Runs where a WebGPU adapter exists (CI: SwiftShader, ROUTESIM_REQUIRE_WEBGPU=1 makes a missing one fail).
const backend = await createGpuBackend({ mode: 'webgpu', navigatorGpu: await createNodeWebGpu() }).catch((error: unknown) => {
  if (process.env.ROUTESIM_REQUIRE_WEBGPU === '1') throw error
  console.warn(`Skipping device-step tests: ${error instanceof Error ? error.message : String(error)}`)
  return undefined
})
const histogram = (ids: Int32Array) => {
  const counts = new Array<number>(E).fill(0)
  for (const id of ids) counts[id]!++
  return counts
}

const T = 203 // not a multiple of R: home ranks split unevenly
const E = 32
const k = 4
const L = 3
const R = 4
const N = 2

/** Maps with and without redundant experts; the skewed one gives expert 0 many replicas on several ranks. */
function mapsFor(redundant: number): ExpertMap[] {
  const P = E + redundant
  const skewed = Int32Array.from({ length: P }, (_, p) => (p < E ? p : p % 3 === 0 ? 0 : p % E))
  return [
    createExpertMap(initialPhysicalToLogical(E, P), { numLogical: E, epSize: R }),
    createExpertMap(skewed, { numLogical: E, epSize: R, placement: 'round_robin' }),
    createExpertMap(initialPhysicalToLogical(E, P).reverse(), { numLogical: E, epSize: R }),
  ]
}

const zipfDraws = (exponent: number): DeviceDraw[] => {
  const zipf = createSimulator({ seed: 3 }).createStrategy('zipf', { exponent, layout: 'per_layer' })
  return Array.from({ length: L }, (_, layer) => zipf.deviceDraw!({ numTokens: T, numExperts: E, topK: k, layer })!)
}

async function open(
  policy: ReplicaPolicy,
  redundant: number,
  seed: number,
  draws: DeviceDraw[],
): Promise<{ step: DeviceStep; maps: ExpertMap[]; tables: (Int32Array | undefined)[] }> {
  const step = await backend!.openDeviceStep!({ rows: T, numExperts: E, k, draws, numPhysical: E + redundant, numRanks: R, numNodes: N, policy, seed })
  const maps = mapsFor(redundant)
  const tables = maps.map((map, l) => (policy === 'rank_local' ? createRankDispatchTable(map, createPrng(seed, 'table', l)) : undefined))
  maps.forEach((map, l) => step.setMap(l, map, tables[l]))
  return { step, maps, tables }
}

/** Every per-layer statistic of the device equals dispatchStats / countTokensWithDuplicateIds on the given physical ids. */
function expectHostStats(out: DeviceStepStats, l: number, ids: Int32Array, physical: Int32Array, map: ExpertMap) {
  const host = dispatchStats(physical, k, map, { numNodes: N })
  expect(Array.from(out.counts.subarray(l * E, (l + 1) * E))).toEqual(histogram(ids))
  expect(Array.from(out.rankSlotLoads.subarray(l * R, (l + 1) * R))).toEqual(Array.from(host.rankSlotLoads))
  expect(Array.from(out.traffic.subarray(l * R * R, (l + 1) * R * R))).toEqual(Array.from(host.traffic))
  expect(out.copiesLeavingRank[l]).toBe(host.copiesLeavingRank)
  expect(out.copiesLeavingNode[l]).toBe(host.copiesLeavingNode)
  expect(out.tokensLeavingRank[l]).toBe(host.tokensLeavingRank)
  expect(out.tokensLeavingNode[l]).toBe(host.tokensLeavingNode)
  expect(out.duplicateTokens[l]).toBe(countTokensWithDuplicateIds(ids, k))
}

describe.skipIf(backend === undefined)('webgpu device step: statistics computed on the device', () => {
  for (const policy of ['modulo', 'rank_local'] as const) {
    for (const redundant of [0, 12]) {
      it(`${policy}, ${redundant} redundant experts: equals mapToPhysical + dispatchStats on the step's ids (several seeds)`, async () => {
        for (const seed of [1, 2, 3]) {
          const draws = seed === 3 ? Array.from({ length: L }, () => ({ kind: 'uniform_iid' as const })) : zipfDraws(seed === 1 ? 1.1 : 2.5)
          const { step, maps, tables } = await open(policy, redundant, seed, draws)
          const out = await step.run(seed, { readIds: true })
          for (let l = 0; l < L; l++) {
            const ids = out.ids!.subarray(l * T * k, (l + 1) * T * k)
            const table = tables[l]
            const physical = mapToPhysical(ids, k, maps[l]!, policy, table ? { dispatchTable: table } : {})
            expect(Array.from(out.physicalIds!.subarray(l * T * k, (l + 1) * T * k))).toEqual(Array.from(physical))
            expectHostStats(out, l, ids, physical, maps[l]!)
          }
          // Reading the ids back changes nothing: a plain run of the same step gives the same statistics.
          const again = await step.run(seed)
          expect(Array.from(again.traffic)).toEqual(Array.from(out.traffic))
          expect(Array.from(again.counts)).toEqual(Array.from(out.counts))
          step.dispose()
        }
      })
    }
  }

  for (const redundant of [0, 12]) {
    it(`random, ${redundant} redundant experts: each id goes to one of its replicas, deterministically; statistics equal the host's on those slots`, async () => {
      for (const seed of [4, 5]) {
        const { step, maps } = await open('random', redundant, seed, zipfDraws(1.1))
        const out = await step.run(7, { readIds: true })
        const perReplica = new Float64Array(E + redundant)
        for (let l = 0; l < L; l++) {
          const ids = out.ids!.subarray(l * T * k, (l + 1) * T * k)
          const physical = out.physicalIds!.subarray(l * T * k, (l + 1) * T * k)
          for (let i = 0; i < ids.length; i++) {
            expect(maps[l]!.physicalToLogical[physical[i]!]).toBe(ids[i])
            if (l === 1) perReplica[physical[i]!]!++
          }
          expectHostStats(out, l, ids, physical, maps[l]!)
        }
        const same = await step.run(7, { readIds: true })
        expect(Array.from(same.physicalIds!)).toEqual(Array.from(out.physicalIds!))
        const next = await step.run(8, { readIds: true })
        expect(Array.from(next.physicalIds!)).not.toEqual(Array.from(out.physicalIds!))
        if (redundant > 0) {
          // Expert 0's replicas on the skewed map (layer 1) share its ids evenly.
          const map = maps[1]!
          const slots = Array.from(map.logicalToPhysical.subarray(0, map.replicaCount[0]!))
          const observed = slots.map((p) => perReplica[p]!)
          const total = observed.reduce((a, b) => a + b, 0)
          expect(
            chiSquareTest(
              observed,
              observed.map(() => total / slots.length),
            ).pValue,
          ).toBeGreaterThan(1e-4)
        }
        step.dispose()
      }
    })
  }

  it('a map set between steps is used from the next step on', async () => {
    const { step, maps } = await open('modulo', 12, 9, zipfDraws(1.1))
    const before = await step.run(0, { readIds: true })
    step.setMap(0, maps[1]!)
    const after = await step.run(0, { readIds: true })
    expect(Array.from(after.ids!)).toEqual(Array.from(before.ids!))
    const ids = after.ids!.subarray(0, T * k)
    expectHostStats(after, 0, ids, mapToPhysical(ids, k, maps[1]!, 'modulo'), maps[1]!)
    expect(Array.from(after.rankSlotLoads.subarray(0, R))).not.toEqual(Array.from(before.rankSlotLoads.subarray(0, R)))
    step.dispose()
  })

  it('zipf counts follow the strategy’s popularity (χ² of k = 2 inclusion probabilities over 20 seeds, ≤ 3 rejections at α = 0.01)', async () => {
    const K = 2
    for (const exponent of [1.1, 2.5]) {
      // 1.1 draws by rejection of repeats, 2.5 (a heavy head) by Gumbel-top-k.
      const zipf = createSimulator({ seed: 5 }).createStrategy('zipf', { exponent, layout: 'per_layer' })
      const draws = Array.from({ length: 2 }, (_, layer) => zipf.deviceDraw!({ numTokens: 2000, numExperts: 16, topK: K, layer })!)
      const rejections = [0, 0]
      for (let seed = 0; seed < 20; seed++) {
        const step = await backend!.openDeviceStep!({
          rows: 2000,
          numExperts: 16,
          k: K,
          draws,
          numPhysical: 16,
          numRanks: 2,
          numNodes: 1,
          policy: 'modulo',
          seed,
        })
        const map = createExpertMap(initialPhysicalToLogical(16, 16), { numLogical: 16, epSize: 2 })
        step.setMap(0, map)
        step.setMap(1, map)
        const out = await step.run(seed)
        step.dispose()
        for (let l = 0; l < 2; l++) {
          const w = draws[l]!.weights!
          const sum = w.reduce((a, b) => a + b, 0)
          const p = Array.from(w, (v) => v / sum)
          // Plackett–Luce, k = 2: expert i is drawn first, or second after some j.
          const inclusion = p.map((pi, i) => pi + p.reduce((acc, pj, j) => (j === i ? acc : acc + (pj * pi) / (1 - pj)), 0))
          const observed = out.counts.subarray(l * 16, (l + 1) * 16)
          if (
            chiSquareTest(
              observed,
              inclusion.map((q) => q * 2000),
            ).pValue < 0.01
          )
            rejections[l]!++
        }
      }
      expect(
        rejections.every((r) => r <= 3),
        `rejections per layer at exponent ${exponent}: ${rejections.join(', ')}`,
      ).toBe(true)
    }
  })

  it('rejects what it cannot hold with typed errors naming the parameter', async () => {
    const base = {
      rows: 8,
      numExperts: 8,
      k: 2,
      draws: [{ kind: 'uniform_distinct' as const }],
      numPhysical: 8,
      numRanks: 2,
      numNodes: 1,
      policy: 'modulo' as const,
      seed: 1,
    }
    const cases: [Record<string, unknown>, string][] = [
      [{ numExperts: 5000, numPhysical: 5000 }, 'options.numExperts'],
      [{ k: 33, numExperts: 64, numPhysical: 64 }, 'options.k'],
      [{ rows: 2 ** 25 }, 'options.rows'],
      [{ numRanks: 3 }, 'options.numRanks'],
      [{ numNodes: 3 }, 'options.numNodes'],
      [{ policy: 'nearest' }, 'options.policy'],
      [{ draws: [{ kind: 'uniform_iid' }, { kind: 'uniform_distinct' }] }, 'options.draws'],
      [{ draws: [{ kind: 'categorical_distinct', weights: new Float64Array(3) }] }, 'options.draws[0]'],
    ]
    for (const [change, parameter] of cases) {
      const error = await backend!.openDeviceStep!({ ...base, ...change } as typeof base).catch((e: unknown) => e)
      expect(InvalidArgumentError.isInstance(error), parameter).toBe(true)
      expect((error as InvalidArgumentError).message).toContain(parameter)
    }
    const step = await backend!.openDeviceStep!(base)
    await expect(step.run(0)).rejects.toThrow(/map of layer 0/)
    expect(() => step.setMap(0, createExpertMap(initialPhysicalToLogical(8, 10), { numLogical: 8, epSize: 2 }))).toThrow(/10|8 physical/)
    step.dispose()
  })
})
