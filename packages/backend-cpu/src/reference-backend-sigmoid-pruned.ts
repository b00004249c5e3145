import { throwFirstNonFiniteInRow } from '@routesim/core'
import type { ResolvedTopK } from '@routesim/core'
import { insertEntry, insertValue } from './insert-descending.ts'

/*
 * Sigmoid scoring with a bias and/or groups (DeepSeek-V3 routing) needs the actual scores, not just their
 * order, but only the few experts that can still win need them exactly. A cheap interpolated σ with a proven
 * error bound ranks every expert; exact σ (Math.exp) is computed only for experts whose approximate value
 * lies within twice the bound of a cut-off — every other expert is provably beaten by enough exact ones.
 * The result is identical to computing σ for every expert (a test holds the two paths to that).
 */

const GRID = 32
const LIMIT = 16
const LAST = 2 * LIMIT * GRID
const SIGMOID_TABLE = Float64Array.from({ length: LAST + 1 }, (_, i) => 1 / (1 + Math.exp(-(i / GRID - LIMIT))))
/**
 * |approxSigmoid − σ| ≤ h²/8 · max|σ''| = (1/32)²/8 · 0.0963 ≈ 1.2e-5 inside [−16, 16] and σ(−16) ≈ 1.1e-7
 * outside; 1e-4 leaves room for every rounding.
 */
const ERROR_BOUND = 1e-4
const MARGIN = 2 * ERROR_BOUND
/** Above this bias magnitude, float64 rounding of σ + bias could approach the bound: use the full path. */
const MAX_PRUNED_BIAS = 1e6

/** Whether this call can take the pruned path: sigmoid, −∞ mask, a bias or groups, moderate bias values. */
export function canPruneSigmoid(o: ResolvedTopK): boolean {
  if (o.scoring !== 'sigmoid' || o.maskValue !== -Infinity) return false
  if (o.bias === undefined && o.groupScore === 'none') return false
  if (o.bias !== undefined) for (let j = 0; j < o.cols; j++) if (Math.abs(o.bias[j]!) > MAX_PRUNED_BIAS) return false
  return true
}

function approxSigmoid(x: number): number {
  const t = (x + LIMIT) * GRID
  if (t <= 0) return 0
  if (t >= LAST) return 1
  const i = t | 0
  const a = SIGMOID_TABLE[i]!
  return a + (t - i) * (SIGMOID_TABLE[i + 1]! - a)
}

/*
 * The grouped fast path (DeepSeek-V3: group score = max or top-2 sum) ranks on a coarse, branch-light
 * approximation: the top 16 bits of a logit's float32 encoding (sign, exponent, 7 mantissa bits) index a
 * table holding the midpoint of σ over that bucket, so |approx − σ| ≤ half the bucket's σ range (largest
 * near |x| ≈ 2: ≈ 8.2e-4), computed below; +2e-7 covers the float32 table and float64 rounding of σ + bias
 * for |bias| ≤ 1e6. Groups are chosen on the approximate scores unless the last kept and the first dropped
 * group lie within the bound (then exactly), and exact σ runs only for the experts that can still be among
 * the k winners (typically k or k + 1 of them).
 */
const BUCKETS = 1 << 16
const NON_FINITE = 0x7f800000
const { BUCKET_SIGMOID, BUCKET_BOUND } = (() => {
  // Only 2^-30 ≤ |x| < 64 (exponent fields 97..132) needs σ: below, σ = 0.5 within 2^-32; above, 0 or 1
  // within 1e-27. Filling the rest by ranges keeps the import cheap.
  const table = new Float32Array(BUCKETS).fill(0.5)
  for (const sign of [0, 1]) {
    const s = sign << 15
    table.fill(sign === 0 ? 1 : 0, s | (133 << 7), s | (255 << 7))
    table.fill(NaN, s | (255 << 7), s | (256 << 7))
  }
  const f = new Float32Array(1)
  const u = new Uint32Array(f.buffer)
  const sigmoidOfBucketStart = (i: number) => {
    u[0] = i << 16
    return 1 / (1 + Math.exp(-f[0]!))
  }
  let half = 0
  for (const sign of [0, 1]) {
    // σ is monotone, so a bucket's σ values lie between σ at its start and at the next bucket's start.
    let a = sigmoidOfBucketStart((sign << 15) | (97 << 7))
    for (let i = (sign << 15) | (97 << 7); i < ((sign << 15) | (133 << 7)); i++) {
      const b = sigmoidOfBucketStart(i + 1)
      table[i] = (a + b) / 2
      half = Math.max(half, Math.abs(b - a) / 2)
      a = b
    }
  }
  return { BUCKET_SIGMOID: table, BUCKET_BOUND: half + 2e-7 }
})()

/** Exact-result top-k for sigmoid scoring with a bias and/or groups (see the file comment). */
export function prunedSigmoidTopK(logits: Float32Array, o: ResolvedTopK, outIds: Int32Array, outWeights: Float32Array, outLogits?: Float32Array): void {
  if (o.groupScore !== 'none' && o.groupTopN <= 2) {
    groupedSigmoidTopK(logits, o, outIds, outWeights, outLogits)
    return
  }
  interpolatedSigmoidTopK(logits, o, outIds, outWeights)
  if (outLogits !== undefined) {
    const { rows, cols, k } = o
    for (let r = 0; r < rows; r++) for (let i = 0; i < k; i++) outLogits[r * k + i] = logits[r * cols + outIds[r * k + i]!]!
  }
}

function groupedSigmoidTopK(logits: Float32Array, o: ResolvedTopK, outIds: Int32Array, outWeights: Float32Array, outLogits?: Float32Array): void {
  const { rows, cols, k, numGroups, topkGroup, groupTopN: n, needWeights } = o
  // σ + 0 is σ exactly (σ ≥ 0), so no bias reads as a zero bias.
  const bias = o.bias ?? new Float32Array(cols)
  const groupSize = cols / numGroups
  const approx = new Float64Array(cols)
  const groupApprox = new Float64Array(numGroups)
  const groupNth = new Float64Array(numGroups)
  const groupExact = new Float64Array(numGroups)
  const ranked = Math.min(topkGroup + 1, numGroups)
  const rankV = new Float64Array(ranked)
  const rankI = new Int32Array(ranked)
  const chosen = new Uint8Array(numGroups)
  const candI = new Int32Array(cols)
  const candA = new Float64Array(cols)
  const bestA = new Float64Array(k)
  const topV = new Float64Array(k)
  const topI = new Int32Array(k)
  const groupMargin = 2 * n * BUCKET_BOUND
  const lowerBoundValid = n * topkGroup >= k
  const bits = new Uint32Array(logits.buffer, logits.byteOffset, logits.length)

  for (let r = 0; r < rows; r++) {
    const base = r * cols
    // 1. One pass: approximate selection values, each group's approximate top-n, finiteness.
    for (let g = 0; g < numGroups; g++) {
      let first = -Infinity
      let second = -Infinity
      const end = (g + 1) * groupSize
      for (let j = g * groupSize; j < end; j++) {
        const b = bits[base + j]!
        if ((b & NON_FINITE) === NON_FINITE) throwFirstNonFiniteInRow('logits', logits, r, cols)
        const v = BUCKET_SIGMOID[b >>> 16]! + bias[j]!
        approx[j] = v
        if (v > second) {
          if (v > first) {
            second = first
            first = v
          } else second = v
        }
      }
      groupApprox[g] = n === 1 ? first : first + second
      groupNth[g] = n === 1 ? first : second
    }

    // 2. Groups: on the approximate scores when the cut is clear, else on exact ones.
    let filled = rankGroups(groupApprox, numGroups, ranked, rankV, rankI)
    if (ranked > topkGroup && rankV[topkGroup - 1]! - rankV[topkGroup]! <= groupMargin) {
      for (let g = 0; g < numGroups; g++) {
        const cut = groupNth[g]! - 2 * BUCKET_BOUND
        let first = -Infinity
        let second = -Infinity
        for (let j = g * groupSize; j < (g + 1) * groupSize; j++) {
          if (approx[j]! < cut) continue
          const v = 1 / (1 + Math.exp(-logits[base + j]!)) + bias[j]!
          if (v > first) {
            second = first
            first = v
          } else if (v > second) {
            second = v
          }
        }
        groupExact[g] = n === 1 ? first : first + second
      }
      filled = rankGroups(groupExact, numGroups, ranked, rankV, rankI)
    }
    chosen.fill(0)
    let lowerBound = Infinity
    for (let i = 0; i < topkGroup && i < filled; i++) {
      const g = rankI[i]!
      chosen[g] = 1
      if (groupNth[g]! < lowerBound) lowerBound = groupNth[g]!
    }

    // 3. Candidates: the chosen groups' n-th bests give k values ≥ lowerBound, so the k-th best approximate
    // value is ≥ it, and an expert below it by more than twice the bound cannot win.
    const candidateCut = lowerBoundValid ? lowerBound - 2 * BUCKET_BOUND : -Infinity
    let m = 0
    for (let g = 0; g < numGroups; g++) {
      if (chosen[g] !== 1) continue
      const end = (g + 1) * groupSize
      for (let j = g * groupSize; j < end; j++) {
        const a = approx[j]!
        if (a >= candidateCut) {
          candI[m] = j
          candA[m] = a
          m++
        }
      }
    }
    let cut = -Infinity
    if (m > k) {
      let kept = 0
      for (let c = 0; c < m; c++) {
        const a = candA[c]!
        if (kept === k && !(a > bestA[k - 1]!)) continue
        kept = insertValue(bestA, k, kept, a)
      }
      cut = bestA[k - 1]! - 2 * BUCKET_BOUND
    }

    // 4. Exact top-k over the surviving candidates, in id order so ties resolve to the lower id.
    let kept = 0
    let threshold = -Infinity
    for (let c = 0; c < m; c++) {
      if (candA[c]! < cut) continue
      const j = candI[c]!
      const v = 1 / (1 + Math.exp(-logits[base + j]!)) + bias[j]!
      if (kept === k && !(v > threshold)) continue
      kept = insertEntry(topV, topI, k, kept, v, j)
      if (kept === k) threshold = topV[k - 1]!
    }
    const out = r * k
    for (let i = 0; i < k; i++) {
      const id = topI[i]!
      outIds[out + i] = id
      // The winner's σ again: the same expression on the same logit, so the same bits as when it was ranked.
      if (needWeights) outWeights[out + i] = 1 / (1 + Math.exp(-logits[base + id]!))
      if (outLogits !== undefined) outLogits[out + i] = logits[base + id]!
    }
  }
}

/** The best `ranked` group scores, descending, ties → lower group id; returns how many were filled. */
export function rankGroups(values: Float64Array, numGroups: number, ranked: number, rankV: Float64Array, rankI: Int32Array): number {
  let filled = 0
  for (let g = 0; g < numGroups; g++) {
    const v = values[g]!
    if (filled === ranked && !(v > rankV[ranked - 1]!)) continue
    filled = insertEntry(rankV, rankI, ranked, filled, v, g)
  }
  return filled
}

function interpolatedSigmoidTopK(logits: Float32Array, o: ResolvedTopK, outIds: Int32Array, outWeights: Float32Array): void {
  const { rows, cols, k, bias, numGroups, topkGroup, groupScore, groupTopN, needWeights } = o
  const grouped = groupScore !== 'none'
  const n = grouped ? groupTopN : 0
  const groupSize = cols / numGroups
  const approx = new Float64Array(cols)
  const exact = new Float64Array(cols)
  const score = new Float64Array(cols)
  const stamp = new Int32Array(cols)
  const groupCut = new Float64Array(numGroups)
  const groupValue = new Float64Array(numGroups)
  const chosen = new Uint8Array(numGroups)
  const best = new Float64Array(Math.max(n, k, 1))
  const groupTopV = new Float64Array(topkGroup)
  const groupTopI = new Int32Array(topkGroup)
  const topV = new Float64Array(k)
  const topI = new Int32Array(k)
  // Exact σ + bias of expert j, computed at most once per row (`stamp` marks the row it belongs to).
  const exactAt = (base: number, mark: number, j: number): number => {
    if (stamp[j] === mark) return exact[j]!
    const s = 1 / (1 + Math.exp(-logits[base + j]!))
    score[j] = s
    const v = bias === undefined ? s : s + bias[j]!
    exact[j] = v
    stamp[j] = mark
    return v
  }

  for (let r = 0; r < rows; r++) {
    const base = r * cols
    const mark = r + 1
    // 1. Approximate selection values; per group, a cut-off below which no expert can reach its top n.
    for (let g = 0; g < numGroups; g++) {
      const start = g * groupSize
      let first = -Infinity
      let second = -Infinity
      let filled = 0
      for (let j = start; j < start + groupSize; j++) {
        const l = logits[base + j]!
        if (l - l !== 0) throwFirstNonFiniteInRow('logits', logits, r, cols)
        const v = bias === undefined ? approxSigmoid(l) : approxSigmoid(l) + bias[j]!
        approx[j] = v
        if (n <= 2) {
          // The common cases (group max, top-2 sum) track two values without a buffer.
          if (v > first) {
            second = first
            first = v
          } else if (v > second) {
            second = v
          }
          continue
        }
        if (filled === n && !(v > best[n - 1]!)) continue
        filled = insertValue(best, n, filled, v)
      }
      if (n === 1) groupCut[g] = first - MARGIN
      else if (n === 2) groupCut[g] = second - MARGIN
      else if (n > 2) groupCut[g] = best[n - 1]! - MARGIN
    }

    if (grouped) {
      // 2. Exact group scores from the candidates only (ties → lower group id when choosing).
      for (let g = 0; g < numGroups; g++) {
        const start = g * groupSize
        const cut = groupCut[g]!
        let filled = 0
        for (let j = start; j < start + groupSize; j++) {
          if (approx[j]! < cut) continue
          const v = exactAt(base, mark, j)
          if (filled === n && !(v > best[n - 1]!)) continue
          filled = insertValue(best, n, filled, v)
        }
        let t = 0
        for (let i = 0; i < n; i++) t += best[i]!
        groupValue[g] = groupScore === 'max' ? best[0]! : t
      }
      rankGroups(groupValue, numGroups, topkGroup, groupTopV, groupTopI)
      chosen.fill(0)
      for (let i = 0; i < topkGroup; i++) chosen[groupTopI[i]!] = 1
    }

    // 3. The k-th best approximate value among eligible experts gives the final cut-off.
    let filled = 0
    for (let g = 0; g < numGroups; g++) {
      if (grouped && chosen[g] !== 1) continue
      for (let j = g * groupSize; j < (g + 1) * groupSize; j++) {
        const v = approx[j]!
        if (filled === k && !(v > best[k - 1]!)) continue
        filled = insertValue(best, k, filled, v)
      }
    }
    const cut = best[k - 1]! - MARGIN

    // 4. Exact top-k over the candidates, in id order so ties resolve to the lower id.
    filled = 0
    let threshold = -Infinity
    for (let g = 0; g < numGroups; g++) {
      if (grouped && chosen[g] !== 1) continue
      for (let j = g * groupSize; j < (g + 1) * groupSize; j++) {
        if (approx[j]! < cut) continue
        const v = exactAt(base, mark, j)
        if (filled === k && !(v > threshold)) continue
        filled = insertEntry(topV, topI, k, filled, v, j)
        if (filled === k) threshold = topV[k - 1]!
      }
    }
    const out = r * k
    for (let i = 0; i < k; i++) {
      const id = topI[i]!
      outIds[out + i] = id
      if (needWeights) outWeights[out + i] = score[id]!
    }
  }
}
