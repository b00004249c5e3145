import { InvalidArgumentError, assertPositiveInteger } from '@routesim/core'
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
  if (ids instanceof Int32Array && ids.length >= SPLIT_MIN_IDS && ids.length >= SPLIT * numExperts && countInt32Split(ids, out)) return
  const n = ids.length
  for (let i = 0; i < n; i++) {
    const id = ids[i]!
    // `id >>> 0 === id` is true only for integers in [0, 2^32); cheaper than Number.isInteger on the hot path.
    if (!(id < numExperts && id >>> 0 === id)) throw invalidId('ids', i, id, numExperts)
    out[id]!++
  }
}

/** Int32 id arrays at least this long take the split-histogram path. */
const SPLIT_MIN_IDS = 1024
const SPLIT = 4
/** The sub-histograms, reused across calls (an off-heap typed array costs µs to allocate). */
let splitScratch = new Int32Array(SPLIT * 256)
const SPLIT_KEEP_EXPERTS = 4096

/**
 * Counts int32 ids into four sub-histograms, one per position mod 4, then adds them into `out`.
 * A hot expert's increments then land in different counters instead of each waiting on the
 * previous one's store (Zipf routing repeats its top experts within a few ids). The range check
 * is an OR over all ids (negative iff one is outside [0, E)); on a bad id nothing is added and
 * false is returned, so the checked loop reports the first bad position as before.
 */
function countInt32Split(ids: Int32Array, out: Int32Array | Float64Array): boolean {
  const e = out.length
  // Kept only up to SPLIT_KEEP_EXPERTS experts, so a one-off huge E does not pin its memory.
  if (splitScratch.length < SPLIT * e && e <= SPLIT_KEEP_EXPERTS) splitScratch = new Int32Array(SPLIT * e)
  const h = splitScratch.length >= SPLIT * e ? splitScratch.fill(0, 0, SPLIT * e) : new Int32Array(SPLIT * e)
  const head = ids.length & 3
  let bad = 0
  for (let i = 0; i < head; i++) {
    const a = ids[i]!
    bad |= a | (e - 1 - a)
    h[a]!++
  }
  bad |= countQuads(ids, head, h, e)
  if (bad < 0) return false
  for (let j = 0; j < e; j++) out[j]! += h[j]! + h[j + e]! + h[j + 2 * e]! + h[j + 3 * e]!
  return true
}

/**
 * The split count's loop over `ids[from..]` (a multiple of 4 long); returns the OR of its range
 * checks. Alone in a function with nothing after the loop: code compiled mid-loop (on-stack
 * replacement, in the first call) then finds no statement it has no type feedback for, so it is
 * not thrown away at the loop's exit on every call.
 */
function countQuads(ids: Int32Array, from: number, h: Int32Array, e: number): number {
  const n = ids.length
  const last = e - 1
  let bad = 0
  for (let i = from; i < n; i += 4) {
    const a = ids[i]!
    const b = ids[i + 1]!
    const c = ids[i + 2]!
    const d = ids[i + 3]!
    bad |= a | (last - a) | b | (last - b) | c | (last - c) | d | (last - d)
    h[a]!++
    h[b + e]!++
    h[c + 2 * e]!++
    h[d + 3 * e]!++
  }
  return bad
}

/**
 * Top-k slot counts per expert: `counts[e]` = number of (token, slot) pairs routed to expert e.
 * Sums to T·k. This is what vLLM and SGLang record as EPLB load.
 *
 * @example
 * expertCounts(new Int32Array([0, 1, 1, 3]), 4) // Int32Array [1, 2, 0, 1]
 */
export function expertCounts(ids: ExpertIds, numExperts: number): Int32Array {
  const out = new Int32Array(assertPositiveInteger('numExperts', numExperts))
  accumulateExpertCounts(ids, out)
  return out
}
