import { InvalidArgumentError, allocateInt32, sharedView } from '@routesim/core'
import type { ChunkRunner } from '@routesim/core'
import { accumulateExpertCounts, expertCounts } from './expert-counts.ts'
import { invalidId } from './expert-ids.ts'

/** Ids per chunk when counting on several threads (counts are sums, so any split gives the same counts). */
export const EXPERT_COUNT_CHUNK_IDS = 1 << 18

/** One counting job: each chunk counts its ids into its own row of `partial` (`[chunks, numExperts]`). */
export interface ExpertCountArgs {
  readonly ids: Int32Array
  readonly numExperts: number
  readonly partial: Int32Array
}

/** The chunk task: ids [c·EXPERT_COUNT_CHUNK_IDS, …) counted into row c; a bad id is reported at its index in the whole array. */
export function expertCountsChunk(args: ExpertCountArgs, chunk: number): void {
  const { numExperts: n } = args
  const from = chunk * EXPERT_COUNT_CHUNK_IDS
  const ids = args.ids.subarray(from, Math.min(args.ids.length, from + EXPERT_COUNT_CHUNK_IDS))
  const row = args.partial.subarray(chunk * n, (chunk + 1) * n)
  try {
    accumulateExpertCounts(ids, row)
  } catch (error) {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!
      if (!(id < n && id >>> 0 === id)) throw invalidId('ids', from + i, id, n)
    }
    throw error
  }
}

/**
 * `expertCounts` on a chunk runner's threads: the same counts, the same errors (the first bad id in array
 * order). Int32 ids in shared memory are read in place; other ids are copied to shared memory first, and
 * small arrays or a runner without threads are counted on the calling thread.
 */
export function expertCountsOn(runner: ChunkRunner, ids: Int32Array, numExperts: number): Int32Array {
  if (typeof runner !== 'object' || runner === null || typeof runner.run !== 'function') {
    throw new InvalidArgumentError({ parameter: 'runner', value: runner, allowed: 'a ChunkRunner (e.g. from the simulator)' })
  }
  const chunks = Math.ceil(ids.length / EXPERT_COUNT_CHUNK_IDS)
  if (!runner.parallel || !(ids instanceof Int32Array) || chunks < 2) return expertCounts(ids, numExperts)
  const out = expertCounts(new Int32Array(0), numExperts) // validates numExperts as expertCounts does
  const args: ExpertCountArgs = { ids: sharedView(ids), numExperts, partial: allocateInt32(chunks * numExperts, true) }
  runner.run({ task: 'expert_counts', args, chunks, runChunk: expertCountsChunk })
  for (let c = 0; c < chunks; c++) {
    const row = c * numExperts
    for (let e = 0; e < numExperts; e++) out[e]! += args.partial[row + e]!
  }
  return out
}
