import { assertExpertMap, type ExpertMap } from '@routesim/analysis'
import { InvalidArgumentError, checkLimit } from '@routesim/core'

/** A static start map from replica counts: experts 0..E−1 first, then the extra copies in expert order. */
export function physicalToLogicalFromCounts(counts: readonly number[]): Int32Array {
  if (!Array.isArray(counts) && !ArrayBuffer.isView(counts))
    throw new InvalidArgumentError({ parameter: 'counts', value: counts, allowed: 'an array of replica counts' })
  checkLimit('counts.length', counts.length, 'maxExperts', 1)
  counts.forEach((c, e) => checkLimit(`counts[${e}]`, c, 'maxReplicas', 1))
  // The slots the row will hold, limited before it is allocated.
  const total = checkLimit(
    'Σ counts (physical slots)',
    counts.reduce((a, c) => a + c, 0),
    'maxReplicas',
    1,
  )
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
  assertExpertMap('map', map)
  const out = new Int32Array(map.numPhysical)
  let i = 0
  for (let r = 0; r < map.numRanks; r++) {
    for (let p = 0; p < map.numPhysical; p++) if (map.slotRank[p] === r) out[i++] = map.physicalToLogical[p]!
  }
  return out
}
