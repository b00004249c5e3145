import { InvalidArgumentError } from '@routesim/core'
import { assertLoads, type Loads } from './loads.ts'
import { assertEpSize } from './placement.ts'
import { assertExpertMap, type ExpertMap } from './expert-map.ts'

function assertRow(parameter: string, row: ArrayLike<number>): void {
  if (row === null || typeof row !== 'object' || typeof row.length !== 'number' || row.length === 0) {
    throw new InvalidArgumentError({ parameter, value: row, allowed: 'a non-empty physical → logical row' })
  }
  for (let p = 0; p < row.length; p++) {
    const e = row[p]!
    if (!(Number.isInteger(e) && e >= 0)) throw new InvalidArgumentError({ parameter: `${parameter}[${p}]`, value: e, allowed: 'a logical expert id ≥ 0' })
  }
}

/**
 * Slots that hold an expert already present on the same GPU (Σ_g slots_g − distinct experts_g). DeepSeek's
 * EPLB can place two replicas of one expert on one GPU, which wastes a slot (vLLM PR #18343 thread).
 * GPUs own contiguous blocks of `numPhysical / epSize` slots (EPLB layout).
 *
 * @example
 * duplicateReplicasOnSameGpu([0, 1, 2, 3, 0, 0], 2) // 1 (GPU 1 holds expert 0 twice)
 */
export function duplicateReplicasOnSameGpu(physicalToLogical: ArrayLike<number>, epSize: number): number {
  assertRow('physicalToLogical', physicalToLogical)
  const ranks = assertEpSize(physicalToLogical.length, epSize)
  const perGpu = physicalToLogical.length / ranks
  let duplicates = 0
  const seen = new Set<number>()
  for (let g = 0; g < ranks; g++) {
    seen.clear()
    for (let s = g * perGpu; s < (g + 1) * perGpu; s++) {
      const e = physicalToLogical[s]!
      if (seen.has(e)) duplicates++
      else seen.add(e)
    }
  }
  return duplicates
}

/** What a rebalance changes between two placements of the same slots. */
export interface PlacementChange {
  /** Physical slots whose logical expert changed (vLLM's "changed physical slots", PR #36305). */
  readonly slotsChanged: number
  /** Expert weights that must be copied onto a GPU that did not hold that expert before (migration cost). */
  readonly expertTransfers: number
  /** Logical experts whose set of GPUs changed. */
  readonly expertsMoved: number
}

/**
 * Compares two physical → logical rows of one layer (same slot count and EP size).
 *
 * @example
 * comparePlacements([0, 1, 2, 3], [0, 2, 1, 3], 2) // { slotsChanged: 2, expertTransfers: 2, expertsMoved: 2 }
 */
export function comparePlacements(before: ArrayLike<number>, after: ArrayLike<number>, epSize: number): PlacementChange {
  assertRow('before', before)
  assertRow('after', after)
  if (before.length !== after.length) {
    throw new InvalidArgumentError({ parameter: 'after.length', value: after.length, allowed: `${before.length} (= before.length)` })
  }
  const ranks = assertEpSize(before.length, epSize)
  const perGpu = before.length / ranks
  let slotsChanged = 0
  for (let p = 0; p < before.length; p++) if (before[p] !== after[p]) slotsChanged++
  const gpusOf = (row: ArrayLike<number>): Map<number, Set<number>> => {
    const m = new Map<number, Set<number>>()
    for (let p = 0; p < row.length; p++) {
      const e = row[p]!
      let s = m.get(e)
      if (!s) m.set(e, (s = new Set()))
      s.add(Math.floor(p / perGpu))
    }
    return m
  }
  const old = gpusOf(before)
  const next = gpusOf(after)
  let transfers = 0
  let moved = 0
  const experts = new Set([...old.keys(), ...next.keys()])
  for (const e of experts) {
    const a = old.get(e) ?? new Set<number>()
    const b = next.get(e) ?? new Set<number>()
    let added = 0
    for (const g of b) if (!a.has(g)) added++
    transfers += added
    if (added > 0 || a.size !== b.size) moved++
  }
  return { slotsChanged, expertTransfers: transfers, expertsMoved: moved }
}

/**
 * Rank loads a map would give if each logical expert's load were split evenly over its replicas — the
 * assumption EPLB optimises, so `balancedness(predictedRankLoads(w, map))` is the predicted post-rebalance
 * balancedness (vLLM PR #36305) to compare with what routing then measures.
 *
 * @example
 * predictedRankLoads([30, 10], createExpertMap([0, 1, 0, 1], { numLogical: 2, epSize: 2 })) // [20, 20]
 */
export function predictedRankLoads(logicalLoads: Loads, map: ExpertMap): Float64Array {
  assertLoads('logicalLoads', logicalLoads)
  assertExpertMap('map', map)
  if (logicalLoads.length !== map.numLogical) {
    throw new InvalidArgumentError({ parameter: 'logicalLoads.length', value: logicalLoads.length, allowed: `${map.numLogical} (map.numLogical)` })
  }
  const out = new Float64Array(map.numRanks)
  for (let p = 0; p < map.numPhysical; p++) {
    const e = map.physicalToLogical[p]!
    out[map.slotRank[p]!]! += logicalLoads[e]! / map.replicaCount[e]!
  }
  return out
}

/**
 * vLLM's `preserve_intragpu_slots` (`policy/default.py`): reorders a new placement inside each GPU so that
 * experts staying on a GPU keep their old slot (no weight copy needed), and incoming experts fill the freed
 * slots in order. The set of experts per GPU is unchanged, so balance is unchanged; only `slotsChanged` drops.
 *
 * @example
 * preserveIntraGpuSlots([1, 0, 3, 2], [0, 1, 2, 3], 2) // Int32Array [0, 1, 2, 3]
 */
export function preserveIntraGpuSlots(after: ArrayLike<number>, before: ArrayLike<number>, epSize: number): Int32Array {
  assertRow('after', after)
  assertRow('before', before)
  if (before.length !== after.length) {
    throw new InvalidArgumentError({ parameter: 'before.length', value: before.length, allowed: `${after.length} (= after.length)` })
  }
  const ranks = assertEpSize(after.length, epSize)
  const perGpu = after.length / ranks
  const out = Int32Array.from(after)
  const used = new Uint8Array(perGpu)
  const preserved = new Uint8Array(perGpu)
  for (let g = 0; g < ranks; g++) {
    const start = g * perGpu
    used.fill(0)
    preserved.fill(0)
    for (let s = 0; s < perGpu; s++) {
      for (let j = 0; j < perGpu; j++) {
        if (!used[j] && after[start + j] === before[start + s]) {
          out[start + s] = after[start + j]!
          used[j] = 1
          preserved[s] = 1
          break
        }
      }
    }
    let src = 0
    for (let s = 0; s < perGpu; s++) {
      if (preserved[s]) continue
      while (used[src]) src++
      out[start + s] = after[start + src]!
      used[src] = 1
    }
  }
  return out
}
