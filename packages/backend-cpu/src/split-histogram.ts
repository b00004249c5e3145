/** Int32 id arrays at least this long take the split-histogram path. */
export const SPLIT_HISTOGRAM_MIN_IDS = 1024
const SPLIT = 4
/** The sub-histograms, reused across calls (an off-heap typed array costs µs to allocate). */
let splitScratch = new Int32Array(SPLIT * 256)
const SPLIT_KEEP_EXPERTS = 4096

/**
 * Adds the counts of int32 ids in [0, out.length) into `out`, through four sub-histograms (one per
 * position mod 4): a hot expert's increments then land in different counters instead of each waiting
 * on the previous one's store. The range check is an OR over all ids (negative iff one is outside
 * [0, E)). On a bad id nothing is added and false is returned, so the caller's checked loop can report
 * the first bad position. Worth it from SPLIT_HISTOGRAM_MIN_IDS ids and at least 4·E of them.
 */
export function accumulateSplitHistogram(ids: Int32Array, out: Int32Array | Float64Array): boolean {
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
