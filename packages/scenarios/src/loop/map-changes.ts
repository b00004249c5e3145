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

/**
 * The map's physical → logical row with every GPU's slots made contiguous (GPU 0's slots first, in slot
 * order). This is the layout EPLB output and the placement statistics of `@routesim/analysis` assume, so a
 * `round_robin` start map can be compared with a rearranged one. Identity for `linear` maps.
 */
export function gpuContiguousRow(map: ExpertMap): Int32Array {
  const out = new Int32Array(map.numPhysical)
  let i = 0
  for (let r = 0; r < map.numRanks; r++) {
    for (let p = 0; p < map.numPhysical; p++) if (map.slotRank[p] === r) out[i++] = map.physicalToLogical[p]!
  }
  return out
}
