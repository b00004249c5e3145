/**
 * Runs a goodness-of-fit check over many seeds and counts rejections at level α. A correct sampler
 * is rejected about α·seeds times; the tests allow a small margin (e.g. ≤ 3 of 40 at α = 0.01,
 * P ≈ 0.0008 for a correct sampler), while a biased one is rejected nearly every time.
 */
export function countRejections(seeds: number, pValue: (seed: number) => number, alpha = 0.01): number {
  let rejected = 0
  for (let seed = 0; seed < seeds; seed++) if (pValue(seed) < alpha) rejected++
  return rejected
}

/** Counts of `values` in [0, cells). */
export function tally(values: ArrayLike<number>, cells: number): Float64Array {
  const counts = new Float64Array(cells)
  for (let i = 0; i < values.length; i++) counts[values[i]!]!++
  return counts
}

export function uniformProbabilities(cells: number): Float64Array {
  return new Float64Array(cells).fill(1 / cells)
}
