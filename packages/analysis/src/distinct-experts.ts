import { assertNonNegativeInteger, assertPositiveInteger, InvalidArgumentError } from '@routesim/core'
import { assertLoads, type Loads } from './loads.ts'

/**
 * Experts that received at least one token in a batch (these are the weights a kernel must read).
 *
 * @example
 * distinctExperts([0, 3, 0, 1]) // 2
 */
export function distinctExperts(counts: Loads): number {
  assertLoads('counts', counts)
  let n = 0
  for (let i = 0; i < counts.length; i++) if (counts[i]! > 0) n++
  return n
}

/**
 * Expected distinct experts touched by a batch of B tokens under uniform top-k routing without repeats:
 * E·(1 − ((E − k)/E)^B) — each token misses a given expert with probability (E − k)/E, independently
 * (inference-sim issue #789, `nEff`). Compare with {@link distinctExperts} to see how skew shrinks the set.
 *
 * @example
 * expectedDistinctExperts(256, 8, 1)  // 8
 * expectedDistinctExperts(256, 8, 64) // ≈ 222.4
 */
export function expectedDistinctExperts(numExperts: number, topK: number, numTokens: number): number {
  const e = assertPositiveInteger('numExperts', numExperts)
  const k = assertPositiveInteger('topK', topK)
  const b = assertNonNegativeInteger('numTokens', numTokens)
  if (k > e) throw new InvalidArgumentError({ parameter: 'topK', value: k, allowed: `an integer in [1, numExperts = ${e}]` })
  return e * (1 - Math.pow((e - k) / e, b))
}
