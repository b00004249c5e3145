import { createPrng, validateSampleIdsOptions } from '@routesim/core'
import type { Prng, SampleIdsOptions } from '@routesim/core'

/**
 * Seeded expert ids `[rows, k]` by the simplest exact methods (this is the truth, not the fast path):
 * - `uniform_iid`: every slot uniform in [0, E), with replacement;
 * - `uniform_distinct`: a partial Fisher–Yates shuffle per row, so every ordered k-subset is equally likely;
 * - `categorical_distinct`: Plackett–Luce without replacement, one pick at a time with probability
 *   proportional to the weights of the experts not yet taken.
 * The stream is `createPrng(seed, 'sampleIds', kind)`, so a call is a pure function of its options.
 */
export function referenceSampleIds(options: SampleIdsOptions): Int32Array {
  const o = validateSampleIdsOptions(options)
  const out = new Int32Array(o.rows * o.k)
  const prng = createPrng(o.seed, 'sampleIds', o.kind)
  if (o.kind === 'uniform_iid') {
    for (let i = 0; i < out.length; i++) out[i] = prng.nextInt(o.numExperts)
  } else if (o.kind === 'uniform_distinct') {
    sampleUniformDistinct(prng, o.rows, o.numExperts, o.k, out)
  } else {
    samplePlackettLuce(prng, o.rows, o.weights!, o.k, out)
  }
  return out
}

function sampleUniformDistinct(prng: Prng, rows: number, numExperts: number, k: number, out: Int32Array): void {
  const perm = new Int32Array(numExperts)
  for (let j = 0; j < numExperts; j++) perm[j] = j
  const swaps = new Int32Array(k)
  for (let r = 0; r < rows; r++) {
    const base = r * k
    for (let i = 0; i < k; i++) {
      const j = i + prng.nextInt(numExperts - i)
      swaps[i] = j
      const t = perm[i]!
      perm[i] = perm[j]!
      perm[j] = t
      out[base + i] = perm[i]!
    }
    // Undo the swaps in reverse so the next row starts from the identity again: O(k), not O(E).
    for (let i = k - 1; i >= 0; i--) {
      const j = swaps[i]!
      const t = perm[i]!
      perm[i] = perm[j]!
      perm[j] = t
    }
  }
}

function samplePlackettLuce(prng: Prng, rows: number, weights: Float64Array, k: number, out: Int32Array): void {
  const numExperts = weights.length
  let total = 0
  for (let j = 0; j < numExperts; j++) total += weights[j]!
  const taken = new Uint8Array(numExperts)
  for (let r = 0; r < rows; r++) {
    const base = r * k
    let takenWeight = 0
    for (let i = 0; i < k; i++) {
      const u = prng.nextDouble() * (total - takenWeight)
      let acc = 0
      let pick = 0
      for (let j = 0; j < numExperts; j++) {
        const w = weights[j]!
        if (taken[j] === 1 || w === 0) continue
        acc += w
        pick = j
        if (acc > u) break
      }
      // Rounding can leave u just past the last cumulative sum; `pick` is then the last eligible expert
      // (validation guarantees at least k positive weights, so one is always eligible).
      taken[pick] = 1
      takenWeight += weights[pick]!
      out[base + i] = pick
    }
    for (let i = 0; i < k; i++) taken[out[base + i]!] = 0
  }
}
