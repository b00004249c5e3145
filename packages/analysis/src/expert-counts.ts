import { InvalidArgumentError, checkLimit } from '@routesim/core'
import { SPLIT_HISTOGRAM_MIN_IDS, accumulateSplitHistogram } from '@routesim/backend-cpu'
import { assertIdsArray, invalidId, type ExpertIds } from './expert-ids.ts'

/**
 * Adds the top-k slot counts of `ids` into `out` (length = number of experts) without allocating,
 * so a streaming loop can reuse one buffer per layer. Every id must be an integer in [0, out.length).
 *
 * @example
 * const counts = new Int32Array(4)
 * accumulateExpertCounts([0, 1, 1, 3], counts) // counts = [1, 2, 0, 1]
 */
export function accumulateExpertCounts(ids: ExpertIds, out: Int32Array | Float64Array): void {
  assertIdsArray('ids', ids)
  if (!(out instanceof Int32Array || out instanceof Float64Array)) {
    throw new InvalidArgumentError({ parameter: 'out', value: out, allowed: 'an Int32Array or Float64Array with one entry per expert' })
  }
  const numExperts = out.length
  if (ids instanceof BigInt64Array) {
    for (let i = 0; i < ids.length; i++) {
      const id = Number(ids[i]!)
      if (!(id >= 0 && id < numExperts && Number.isInteger(id))) throw invalidId('ids', i, id, numExperts)
      out[id]!++
    }
    return
  }
  if (ids instanceof Int32Array && ids.length >= SPLIT_HISTOGRAM_MIN_IDS && ids.length >= 4 * numExperts && accumulateSplitHistogram(ids, out)) return
  const n = ids.length
  for (let i = 0; i < n; i++) {
    const id = ids[i]!
    // `id >>> 0 === id` is true only for integers in [0, 2^32); cheaper than Number.isInteger on the hot path.
    if (!(id < numExperts && id >>> 0 === id)) throw invalidId('ids', i, id, numExperts)
    out[id]!++
  }
}

/**
 * Top-k slot counts per expert: `counts[e]` = number of (token, slot) pairs routed to expert e.
 * Sums to T·k. This is what vLLM and SGLang record as EPLB load.
 *
 * @example
 * expertCounts(new Int32Array([0, 1, 1, 3]), 4) // Int32Array [1, 2, 0, 1]
 */
export function expertCounts(ids: ExpertIds, numExperts: number): Int32Array {
  const out = new Int32Array(checkLimit('numExperts', numExperts, 'maxExperts', 1))
  accumulateExpertCounts(ids, out)
  return out
}
