import type { ExpertMap } from '@routesim/analysis'

/** A static start map from replica counts: experts 0..E−1 first, then the extra copies in expert order. */
export function physicalToLogicalFromCounts(counts: readonly number[]): Int32Array {
  const total = counts.reduce((a, c) => a + c, 0)
  const out = new Int32Array(total)
  for (let e = 0; e < counts.length; e++) out[e] = e
  let p = counts.length
  for (let e = 0; e < counts.length; e++) for (let c = 1; c < counts[e]!; c++) out[p++] = e
  return out
}

/** Extra copies of an expert on a GPU that already holds it: Σ over (rank, expert) of (copies − 1). */
export function duplicateReplicasOnRank(map: ExpertMap): number {
  const seen = new Set<number>()
  let extra = 0
  for (let p = 0; p < map.numPhysical; p++) {
    const key = map.slotRank[p]! * map.numLogical + map.physicalToLogical[p]!
    if (seen.has(key)) extra++
    else seen.add(key)
  }
  return extra
}

/**
 * What a rearrangement costs: `slotsChanged` = physical slots whose expert changed; `expertsMoved` =
 * (rank, expert) pairs the new map needs that the old one did not hold — expert weights to copy in.
 */
export function mapChanges(before: ExpertMap, after: ExpertMap): { slotsChanged: number; expertsMoved: number } {
  let slotsChanged = 0
  const n = Math.min(before.numPhysical, after.numPhysical)
  for (let p = 0; p < n; p++) if (before.physicalToLogical[p] !== after.physicalToLogical[p]) slotsChanged++
  const held = new Set<number>()
  for (let p = 0; p < before.numPhysical; p++) held.add(before.slotRank[p]! * before.numLogical + before.physicalToLogical[p]!)
  const added = new Set<number>()
  for (let p = 0; p < after.numPhysical; p++) {
    const key = after.slotRank[p]! * after.numLogical + after.physicalToLogical[p]!
    if (!held.has(key)) added.add(key)
  }
  return { slotsChanged, expertsMoved: added.size }
}

/**
 * Per-rank load that logical loads would put on a map when each expert's load splits evenly over its
 * replicas — the quantity `rebalance_experts` balances (w / replica count per slot).
 */
export function expectedRankLoads(map: ExpertMap, logicalLoad: ArrayLike<number>, out: Float64Array = new Float64Array(map.numRanks)): Float64Array {
  out.fill(0)
  for (let p = 0; p < map.numPhysical; p++) {
    const e = map.physicalToLogical[p]!
    out[map.slotRank[p]!]! += logicalLoad[e]! / map.replicaCount[e]!
  }
  return out
}
