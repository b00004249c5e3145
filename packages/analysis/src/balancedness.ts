import { assertLoads, maxOf, sumOf, type Loads } from './loads.ts'

/**
 * Balancedness of one layer: mean(rank load) / max(rank load), in (0, 1]; 1 = perfectly balanced.
 * 1 when every rank has load 0 (nothing to balance; vLLM's code returns 0 there, which would read as
 * "maximally imbalanced" for an idle layer). 1/R is the worst case (all load on one of R ranks).
 *
 * @example
 * balancedness([100, 200]) // 0.75
 */
export function balancedness(rankLoads: Loads): number {
  assertLoads('rankLoads', rankLoads)
  const max = maxOf(rankLoads)
  return max === 0 ? 1 : sumOf(rankLoads) / rankLoads.length / max
}
