import { InvalidArgumentError, assertOneOf, checkLimit } from '@routesim/core'

/**
 * How physical expert slots are laid out over EP ranks (vLLM `--eplb-config`/`expert_placement_strategy`,
 * PRs #23745/#25798): `linear` gives rank r the contiguous block [r·S/R, (r+1)·S/R);
 * `round_robin` gives slot s to rank s mod R.
 */
export type Placement = 'linear' | 'round_robin'
export const PLACEMENTS: readonly Placement[] = ['linear', 'round_robin']

/** Checks that `epSize` divides `numSlots` (vLLM: "each EP rank has (E + redundant) ÷ EP experts"). */
export function assertEpSize(numSlots: number, epSize: unknown, parameter = 'epSize'): number {
  const ranks = checkLimit(parameter, epSize, 'maxEpSize', 1)
  if (numSlots % ranks !== 0) {
    throw new InvalidArgumentError({
      parameter,
      value: ranks,
      allowed: `a divisor of the number of expert slots (${numSlots}), so every rank holds the same number of slots`,
    })
  }
  return ranks
}

/**
 * The EP rank that owns each physical slot: `Int32Array(numSlots)`.
 *
 * @example
 * slotRanks(4, 2, 'linear')      // [0, 0, 1, 1]
 * slotRanks(4, 2, 'round_robin') // [0, 1, 0, 1]
 */
export function slotRanks(numSlots: number, epSize: number, placement: Placement = 'linear'): Int32Array {
  checkLimit('numSlots', numSlots, 'maxReplicas', 1)
  const ranks = assertEpSize(numSlots, epSize)
  assertOneOf('placement', placement, PLACEMENTS)
  const perRank = numSlots / ranks
  const out = new Int32Array(numSlots)
  for (let s = 0; s < numSlots; s++) out[s] = placement === 'linear' ? Math.floor(s / perRank) : s % ranks
  return out
}

/** Node of each rank: ranks are split contiguously over nodes (`epSize / numNodes` GPUs per node). */
export function rankNodes(epSize: number, numNodes: number): Int32Array {
  // Sizes are limited before the Int32Array(epSize) is built (2^31 ranks took 30 s and 8 GB).
  const ranks = checkLimit('epSize', epSize, 'maxEpSize', 1)
  const nodes = checkLimit('numNodes', numNodes, 'maxEpSize', 1)
  if (ranks % nodes !== 0) {
    throw new InvalidArgumentError({
      parameter: 'numNodes',
      value: nodes,
      allowed: `a divisor of epSize (${ranks}), so every node has the same number of GPUs`,
    })
  }
  const perNode = ranks / nodes
  const out = new Int32Array(ranks)
  for (let r = 0; r < ranks; r++) out[r] = Math.floor(r / perNode)
  return out
}
