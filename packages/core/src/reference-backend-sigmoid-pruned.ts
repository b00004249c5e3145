import { InvalidLogitsError } from './errors/invalid-logits-error.ts'
import type { ResolvedTopK } from './reference-backend-validation.ts'

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

function throwFirstNonFinite(logits: Float32Array, row: number, cols: number): never {
  const base = row * cols
  for (let j = 0; j < cols; j++) {
    const v = logits[base + j]!
    if (v - v !== 0) throw new InvalidLogitsError({ parameter: 'logits', row, column: j, value: v })
  }
  throw new Error('unreachable: row reported non-finite but none found')
}

export function prunedSigmoidTopK(logits: Float32Array, o: ResolvedTopK, outIds: Int32Array, outWeights: Float32Array): void {
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
        if (l - l !== 0) throwFirstNonFinite(logits, r, cols)
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
        let pos = filled < n ? filled++ : n - 1
        while (pos > 0 && best[pos - 1]! < v) {
          best[pos] = best[pos - 1]!
          pos--
        }
        best[pos] = v
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
          let pos = filled < n ? filled++ : n - 1
          while (pos > 0 && best[pos - 1]! < v) {
            best[pos] = best[pos - 1]!
            pos--
          }
          best[pos] = v
        }
        let t = 0
        for (let i = 0; i < n; i++) t += best[i]!
        groupValue[g] = groupScore === 'max' ? best[0]! : t
      }
      let filled = 0
      for (let g = 0; g < numGroups; g++) {
        const v = groupValue[g]!
        if (filled === topkGroup && !(v > groupTopV[topkGroup - 1]!)) continue
        let pos = filled < topkGroup ? filled++ : topkGroup - 1
        while (pos > 0 && groupTopV[pos - 1]! < v) {
          groupTopV[pos] = groupTopV[pos - 1]!
          groupTopI[pos] = groupTopI[pos - 1]!
          pos--
        }
        groupTopV[pos] = v
        groupTopI[pos] = g
      }
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
        let pos = filled < k ? filled++ : k - 1
        while (pos > 0 && best[pos - 1]! < v) {
          best[pos] = best[pos - 1]!
          pos--
        }
        best[pos] = v
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
        let pos = filled < k ? filled++ : k - 1
        while (pos > 0 && topV[pos - 1]! < v) {
          topV[pos] = topV[pos - 1]!
          topI[pos] = topI[pos - 1]!
          pos--
        }
        topV[pos] = v
        topI[pos] = j
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
