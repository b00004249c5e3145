// DeepSeek-V3-style selection: sigmoid scores + a correction bias, optionally in groups (group score =
// the best or the sum of the best two selection values; −∞ mask). The kernel ranks on an approximate
// σ with a bound and decides only what the bound makes certain: which groups are kept and which k experts
// win. A row where a cut falls within the bound is flagged, and the host redoes it exactly; the host also
// orders the winners by their exact float64 values. So the result is the reference's, exactly.

import { RANK_THRESHOLDS_BYTES, boundBlocks, collectAtLeast, insert, loadSortKeys, rankThresholds, sort16Descending, sort32Descending } from './select'

/** Row flags the host reads: winners and their order certain; winners certain, order to be settled exactly; redo the row. */
const ORDERED: i32 = 0
const AMBIGUOUS: i32 = 1
const UNORDERED: i32 = 2

/**
 * σ(x) for four lanes: 1 / (1 + e^−x), with e^y = 2^n · p(r) (Cephes expf: y clamped to ±87,
 * r = y − n·ln2 in two steps, a degree-7 polynomial). |σ̃ − σ| stays below 1e-6; the host's bound is
 * larger still, and a test measures the error over a dense sweep.
 */
// @ts-expect-error AssemblyScript decorator
@inline
function sigmoid4(x: v128): v128 {
  const y = f32x4.pmin(f32x4.pmax(f32x4.neg(x), f32x4.splat(-87.0)), f32x4.splat(87.0))
  // n = round(y·log2 e) by the 1.5·2^23 trick: the sum's low mantissa bits hold n as an integer.
  const shifted = f32x4.add(f32x4.mul(y, f32x4.splat(1.44269504088896341)), f32x4.splat(12582912.0))
  const n = f32x4.sub(shifted, f32x4.splat(12582912.0))
  let r = f32x4.sub(y, f32x4.mul(n, f32x4.splat(0.693359375)))
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)))
  let p = f32x4.splat(1.9875691500e-4)
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3))
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3))
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2))
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1))
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1))
  p = f32x4.add(f32x4.mul(f32x4.mul(p, r), r), f32x4.add(r, f32x4.splat(1.0)))
  // 2^n: n + 127 in the exponent field (n = shifted's bits − 1.5·2^23's bits).
  const scale = i32x4.shl(i32x4.add(i32x4.sub(shifted, f32x4.splat(12582912.0)), i32x4.splat(127)), 23)
  return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), f32x4.mul(p, scale)))
}

/**
 * Scratch the sigmoid kernel needs at `scratchPtr` (16-byte aligned): the layout at the top of
 * sigmoidTopKRows, ending with rankThresholds' bytes. The host sizes module memory by it.
 */
export function sigmoidScratchBytes(cols: i32, numGroups: i32): usize {
  return sigmoidKeysAt(0, cols, numGroups) + 32 * 8 + 32 * 4 + 32 * 4 + RANK_THRESHOLDS_BYTES
}

/** Where the sort keys start: past scores, kept scores, group bases, padded group scores and candidates; 8-aligned. */
// @ts-expect-error AssemblyScript decorator
@inline
function sigmoidKeysAt(scratchPtr: usize, cols: i32, numGroups: i32): usize {
  const cand = scratchPtr + (<usize>cols << 3) + (<usize>numGroups << 2) + (<usize>((numGroups + 3) >> 2) << 4)
  return (cand + ((<usize>cols + 4) << 2) + 7) & ~(<usize>7)
}

/** For tests: σ̃ of `n` floats at `inPtr` into `outPtr` (n a multiple of 4). */
export function sigmoidApprox(inPtr: usize, n: i32, outPtr: usize): void {
  for (let i = 0; i < n; i += 4) v128.store(outPtr + (<usize>i << 2), sigmoid4(v128.load(inPtr + (<usize>i << 2))))
}

/**
 * Winners of every row `[rows, cols]` for selection value σ(logit) + bias, in `numGroups` groups of which
 * `topkGroup` are kept (numGroups = 1: no groups). `top2` chooses the group score (1: sum of the best two,
 * 0: the best). `eps` bounds |σ̃ + b − (σ + b)| for every expert, `groupEps` the same for group scores.
 * Writes k winner ids per row, by descending approximate value, and a flag per row: ORDERED when every
 * neighbour is more than 2·eps apart (so that is the exact order too), UNORDERED when only the set is certain
 * (the host orders it exactly), AMBIGUOUS when a cut lies within the bound (ids then unwritten). Returns -1 or the first row with a NaN or ±Inf.
 * Needs cols / numGroups a multiple of 4, k < topkGroup · cols / numGroups, and k + 1 ≤ 32.
 */
export function sigmoidTopKRows(
  inPtr: usize,
  rows: i32,
  cols: i32,
  k: i32,
  numGroups: i32,
  topkGroup: i32,
  top2: i32,
  biasPtr: usize,
  eps: f32,
  groupEps: f32,
  idsPtr: usize,
  flagsPtr: usize,
  scratchPtr: usize,
): i32 {
  const groupSize = cols / numGroups
  const groupVecs = groupSize >> 2
  const scores = scratchPtr // σ̃ + b, [cols]
  const chosenScores = scores + (<usize>cols << 2) // the kept groups' values, contiguous, [topkGroup · groupSize]
  const chosenBase = chosenScores + (<usize>cols << 2) // first expert id of each kept group
  const groupScore = chosenBase + (<usize>numGroups << 2)
  const groupBlocks = (numGroups + 3) >> 2
  const cand = groupScore + (<usize>groupBlocks << 4) // candidate positions in chosenScores
  const keys = sigmoidKeysAt(scratchPtr, cols, numGroups)
  const topV = keys + 32 * 8 // the insertion path's k + 1 best (values, then positions)
  const topI = topV + 32 * 4
  const thresholds = topI + 32 * 4
  const inf = f32x4.splat(Infinity)
  const want = k + 1 // one more than k, to see the margin below the k-th
  const chosenVecs = topkGroup * groupVecs
  const blocks = boundBlocks(chosenVecs, want)

  for (let r = 0; r < rows; r++) {
    const row = inPtr + ((<usize>r * <usize>cols) << 2)
    // 1. Approximate selection values, finiteness, and each group's score.
    let finite = i32x4.splat(-1)
    for (let g = 0; g < numGroups; g++) {
      let m1 = f32x4.splat(-Infinity)
      let m2 = f32x4.splat(-Infinity)
      for (let v = g * groupVecs; v < (g + 1) * groupVecs; v++) {
        const at = <usize>v << 4
        const x = v128.load(row + at)
        finite = v128.and(finite, f32x4.lt(f32x4.abs(x), inf))
        const s = f32x4.add(sigmoid4(x), v128.load(biasPtr + at))
        v128.store(scores + at, s)
        m2 = f32x4.pmax(m2, f32x4.pmin(m1, s))
        m1 = f32x4.pmax(m1, s)
      }
      // The group's best two: merge the lanes' (best, second) pairs across lane pairs, then across halves.
      let o1 = i8x16.shuffle(m1, m1, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)
      let o2 = i8x16.shuffle(m2, m2, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)
      let n2 = f32x4.pmax(f32x4.pmin(m1, o1), f32x4.pmax(m2, o2))
      let n1 = f32x4.pmax(m1, o1)
      o1 = i8x16.shuffle(n1, n1, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11)
      o2 = i8x16.shuffle(n2, n2, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11)
      const best = f32x4.extract_lane(f32x4.pmax(n1, o1), 0)
      const second = f32x4.extract_lane(f32x4.pmax(f32x4.pmin(n1, o1), f32x4.pmax(n2, o2)), 0)
      store<f32>(groupScore + (<usize>g << 2), top2 ? best + second : best)
    }
    if (!v128.all_true<i32>(finite)) return r

    // 2. Kept groups: the topkGroup best scores, certain only if the last kept beats the first dropped by 2·groupEps.
    let ambiguous = false
    let kept = 0
    if (topkGroup < numGroups) {
      // The topkGroup-th and (topkGroup+1)-th best group scores (the scores are padded with −∞ to whole vectors).
      for (let g = numGroups; g < groupBlocks << 2; g++) store<f32>(groupScore + (<usize>g << 2), -Infinity)
      rankThresholds(groupScore, groupBlocks, topkGroup, thresholds)
      const cut = load<f32>(thresholds)
      const below = load<f32>(thresholds, 4)
      if (!(cut - below > 2 * groupEps)) ambiguous = true
      for (let g = 0; g < numGroups && !ambiguous; g++) {
        if (load<f32>(groupScore + (<usize>g << 2)) >= cut) {
          memory.copy(chosenScores + ((<usize>kept * <usize>groupSize) << 2), scores + ((<usize>g * <usize>groupSize) << 2), <usize>groupSize << 2)
          store<i32>(chosenBase + (<usize>kept << 2), g * groupSize)
          kept++
        }
      }
    } else {
      memory.copy(chosenScores, scores, <usize>cols << 2)
      for (let g = 0; g < numGroups; g++) store<i32>(chosenBase + (<usize>g << 2), g * groupSize)
      kept = numGroups
    }
    if (ambiguous) {
      store<i32>(flagsPtr + (<usize>r << 2), AMBIGUOUS)
      continue
    }

    // 3. The k + 1 best of the kept values: a lower bound (as in topKRows), the values reaching it, a network.
    let t: f32 = -Infinity
    if (blocks > 0) {
      let start = 0
      for (let b = 0; b < blocks; b++) {
        const end = (chosenVecs * (b + 1)) / blocks
        let m = f32x4.splat(-Infinity)
        for (let v = start; v < end; v++) m = f32x4.pmax(m, v128.load(chosenScores + (<usize>v << 4)))
        v128.store(keys + (<usize>b << 4), m)
        start = end
      }
      rankThresholds(keys, blocks, want, thresholds)
      t = load<f32>(thresholds)
    }
    const n = collectAtLeast(chosenScores, chosenVecs, t, cand)
    let kth: f32
    let next: f32
    const byKeys = n <= 32
    if (byKeys) {
      const width = n <= 16 ? 16 : 32
      loadSortKeys(keys, width, chosenScores, cand, n)
      if (width == 16) sort16Descending(keys)
      else sort32Descending(keys)
      kth = load<f32>(chosenScores + (<usize>positionOf(keys, k - 1) << 2))
      next = load<f32>(chosenScores + (<usize>positionOf(keys, k) << 2))
    } else {
      // Many values near the bound (ties): the reference's insertion keeps the k + 1 best.
      let filled = 0
      let last: f32 = t
      for (let c = 0; c < n; c++) {
        const p = load<i32>(cand + (<usize>c << 2))
        const x = load<f32>(chosenScores + (<usize>p << 2))
        if (filled == want ? !(x > last) : !(x >= last)) continue
        filled = insert(topI, topV, filled, want, x, p)
        if (filled == want) last = load<f32>(topV + (<usize>(want - 1) << 2))
      }
      kth = load<f32>(topV + (<usize>(k - 1) << 2))
      next = load<f32>(topV + (<usize>k << 2))
    }
    if (!(kth - next > 2 * eps)) {
      store<i32>(flagsPtr + (<usize>r << 2), AMBIGUOUS)
      continue
    }
    const out = idsPtr + ((<usize>r * <usize>k) << 2)
    let ordered = true
    let previous: f32 = Infinity
    for (let i = 0; i < k; i++) {
      const c = byKeys ? positionOf(keys, i) : load<i32>(topI + (<usize>i << 2))
      const value = load<f32>(chosenScores + (<usize>c << 2))
      ordered = ordered && previous - value > 2 * eps
      previous = value
      store<i32>(out + (<usize>i << 2), load<i32>(chosenBase + (<usize>(c / groupSize) << 2)) + (c % groupSize))
    }
    store<i32>(flagsPtr + (<usize>r << 2), ordered ? ORDERED : UNORDERED)
  }
  return -1
}

/** The position (in the kept values) held by the i-th largest key. */
// @ts-expect-error AssemblyScript decorator
@inline
function positionOf(keys: usize, i: i32): i32 {
  return <i32>(0xffffffff - <u32>load<u64>(keys + (<usize>i << 3)))
}
