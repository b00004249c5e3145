import { InvalidArgumentError, checkLimit } from '@routesim/core'
import { assertLoads, type Loads } from './loads.ts'
import { assertEpSize, slotRanks, type Placement } from './placement.ts'

/**
 * Sums per-slot loads (top-k slot counts per physical expert) into per-rank loads, as vLLM/SGLang
 * do before computing balancedness (SGLang `compute_gpu_physical_count`).
 *
 * @example
 * rankLoads([1, 2, 3, 4], 2)                // Float64Array [3, 7]
 * rankLoads([1, 2, 3, 4], 2, 'round_robin') // Float64Array [4, 6]
 */
export function rankLoads(counts: Loads, epSize: number, placement: Placement = 'linear'): Float64Array {
  assertLoads('counts', counts)
  const ranks = assertEpSize(counts.length, epSize)
  const owner = slotRanks(counts.length, ranks, placement)
  return loadsByOwner(counts, owner, ranks)
}

/** Sums `loads[i]` into `out[owner[i]]`; generic form behind rank and node loads. */
export function loadsByOwner(loads: Loads, owner: ArrayLike<number>, numOwners: number, out?: Float64Array): Float64Array {
  assertLoads('loads', loads)
  if (!Array.isArray(owner) && !ArrayBuffer.isView(owner)) {
    throw new InvalidArgumentError({ parameter: 'owner', value: owner, allowed: 'an array or typed array of owner indices' })
  }
  checkLimit('numOwners', numOwners, 'maxReplicas', 1)
  if (out !== undefined && !(out instanceof Float64Array && out.length === numOwners)) {
    throw new InvalidArgumentError({ parameter: 'out', value: out, allowed: `a Float64Array of numOwners (${numOwners}) values` })
  }
  if (owner.length !== loads.length) {
    throw new InvalidArgumentError({ parameter: 'owner.length', value: owner.length, allowed: `${loads.length} (one owner per load)` })
  }
  const result = out ?? new Float64Array(numOwners)
  if (out) result.fill(0)
  for (let i = 0; i < loads.length; i++) {
    const o = owner[i]!
    if (!(o >= 0 && o < numOwners && Number.isInteger(o))) {
      throw new InvalidArgumentError({ parameter: `owner[${i}]`, value: o, allowed: `an integer in [0, ${numOwners - 1}]` })
    }
    result[o]! += loads[i]!
  }
  return result
}
