import type { Prng } from '@routesim/core'
import type { WeightedDistinctSampler } from '@routesim/distributions'

/**
 * One row that follows a reference row: each reference expert (in its slot) is kept with
 * probability `keep`; the other slots are filled by Plackett–Luce draws that exclude the whole
 * reference row, so the number of experts shared with the reference is exactly Binomial(k, keep).
 * When too few experts remain to exclude the whole reference row, only the kept ones are excluded.
 */
export function followRow(
  sampler: WeightedDistinctSampler,
  prng: Prng,
  reference: Int32Array,
  refOffset: number,
  keep: number,
  out: Int32Array,
  offset: number,
  k: number,
  scratch: { kept: Int32Array; fresh: Int32Array; exclude: Int32Array },
): void {
  const { kept, fresh, exclude } = scratch
  let nKept = 0
  for (let j = 0; j < k; j++) {
    if (prng.nextDouble() < keep) {
      kept[j] = 1
      exclude[nKept++] = reference[refOffset + j]!
    } else kept[j] = 0
  }
  const need = k - nKept
  if (need === 0) {
    for (let j = 0; j < k; j++) out[offset + j] = reference[refOffset + j]!
    return
  }
  let nExclude = nKept
  if (sampler.support >= k + need) {
    for (let j = 0; j < k; j++) if (!kept[j]) exclude[nExclude++] = reference[refOffset + j]!
  }
  sampler.sampleRow(prng, fresh, 0, need, exclude, nExclude)
  let f = 0
  for (let j = 0; j < k; j++) out[offset + j] = kept[j] ? reference[refOffset + j]! : fresh[f++]!
}

export function createScratch(k: number): { kept: Int32Array; fresh: Int32Array; exclude: Int32Array } {
  return { kept: new Int32Array(k), fresh: new Int32Array(k), exclude: new Int32Array(2 * k) }
}
