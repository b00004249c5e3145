// Hot paths of one DeepSeek-V3-shaped layer step: T = 16384 tokens, E = 256, k = 8, 288 slots on EP 32 (4 nodes).
// Run: npx vitest bench --run (from packages/analysis). Token-layers/s = hz × T.
import { bench, describe } from 'vitest'
import { createPrng } from '@routesim/core'
import {
  applyCapacity,
  capacityDrops,
  createExpertMap,
  createRankDispatchTable,
  dispatchStats,
  duplicateIdRate,
  expertCounts,
  initialPhysicalToLogical,
  loadSummary,
  mapToPhysical,
  megatronCapacity,
  rebalanceExperts,
  rebalanceExpertsTimeAware,
} from '../src/index.ts'

const T = 16384
const E = 256
const K = 8
const P = 288
const EP = 32
const prng = createPrng(1, 'bench')
const ids = new Int32Array(T * K)
// Distinct ids per token with a mild skew (hot experts 0–15 twice as likely).
for (let t = 0; t < T; t++) {
  for (let j = 0; j < K; j++) {
    let e: number
    do e = prng.nextFloat() < 0.1 ? prng.nextInt(16) : prng.nextInt(E)
    while (ids.subarray(t * K, t * K + j).includes(e))
    ids[t * K + j] = e
  }
}
const weights = Float32Array.from({ length: T * K }, () => prng.nextFloat())
const counts = expertCounts(ids, E)
const map = createExpertMap(initialPhysicalToLogical(E, P), { numLogical: E, epSize: EP })
const table = createRankDispatchTable(map, createPrng(2))
const physical = new Int32Array(T * K)
mapToPhysical(ids, K, map, 'modulo', { out: physical })
const out = new Int32Array(T * K)
const replicaPrng = createPrng(3)
const layerLoads = Array.from({ length: 58 }, () => Float64Array.from(counts, (c, e) => c + ((e * 7919) % 97)))
// 100 recorded steps of 58 layers for the time-aware variant (SGLang keeps the per-pass window).
const stepLoads = Array.from({ length: 100 }, (_, s) => layerLoads.map((row) => row.map((v, e) => v + ((s * 31 + e * 17) % 50))))
const capacity = megatronCapacity({ numTokens: T, numExperts: E, topK: K, capacityFactor: 1 })

describe('per layer-step (T = 16384, k = 8)', () => {
  bench('expertCounts', () => {
    expertCounts(ids, E)
  })
  bench('loadSummary (E = 256)', () => {
    loadSummary(counts)
  })
  bench('duplicateIdRate', () => {
    duplicateIdRate(ids, K)
  })
  bench('mapToPhysical modulo', () => {
    mapToPhysical(ids, K, map, 'modulo', { out })
  })
  bench('mapToPhysical random', () => {
    mapToPhysical(ids, K, map, 'random', { out, prng: replicaPrng })
  })
  bench('mapToPhysical rank_local', () => {
    mapToPhysical(ids, K, map, 'rank_local', { out, dispatchTable: table })
  })
  bench('dispatchStats (EP 32, 4 nodes)', () => {
    dispatchStats(physical, K, map, { numNodes: 4 })
  })
  bench('applyCapacity position', () => {
    applyCapacity(ids, K, E, capacity, 'position')
  })
  bench('applyCapacity probs', () => {
    applyCapacity(ids, K, E, capacity, 'probs', { weights })
  })
  bench('whole layer-step analysis (counts, summary, duplicates, modulo map, dispatch, capacity drops)', () => {
    const c = expertCounts(ids, E)
    loadSummary(c)
    duplicateIdRate(ids, K)
    mapToPhysical(ids, K, map, 'modulo', { out })
    dispatchStats(out, K, map, { numNodes: 4 })
    capacityDrops(c, capacity)
  })
})

describe('per rebalance', () => {
  bench('rebalanceExperts 58 layers, 256 → 288 slots, hierarchical 8 groups / 4 nodes / 32 GPUs', () => {
    rebalanceExperts(layerLoads, { numReplicas: P, numGroups: 8, numNodes: 4, numGpus: EP })
  })
  bench('rebalanceExperts 58 layers, global policy', () => {
    rebalanceExperts(layerLoads, { numReplicas: P, numGroups: 8, numNodes: 4, numGpus: EP, policy: 'global' })
  })
  bench('rebalanceExpertsTimeAware 100 steps × 58 layers, global (deepseek_vec)', () => {
    rebalanceExpertsTimeAware(stepLoads, { numReplicas: P, numGpus: EP })
  })
})
