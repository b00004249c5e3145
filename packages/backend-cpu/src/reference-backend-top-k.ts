import { InvalidArgumentError, throwFirstNonFiniteInRow, validateTopKArguments } from '@routesim/core'
import type { ResolvedTopK, SoftmaxNormalizer, TopKOptions, TopKOutput } from '@routesim/core'
import { canPruneSigmoid, prunedSigmoidTopK, rankGroups } from './reference-backend-sigmoid-pruned.ts'
import { insertEntry, insertValue } from './insert-descending.ts'
import { softmaxNormalizer } from './winner-scores.ts'

/**
 * Top-k of every row with the exact semantics of vLLM's routers, in float64:
 * selection on score (+ bias), group masks, ties → lower expert id, rows by descending selection value.
 * Returns the winners' ids and logits, and for softmax scoring (on request) each row's normaliser; the
 * deprecated `weights` are the unbiased scores of the winners when `needWeights` (default true).
 * `winnerLogits` ([rows, k], optional) is the buffer the winners' logits are written to (else one is allocated).
 */
export function referenceTopK(logits: Float32Array, rows: number, cols: number, options: TopKOptions, winnerLogits?: Float32Array): TopKOutput {
  const o = validateTopKArguments(logits, rows, cols, options)
  if (winnerLogits !== undefined && !(winnerLogits instanceof Float32Array && winnerLogits.length === o.rows * o.k)) {
    throw new InvalidArgumentError({ parameter: 'winnerLogits', value: winnerLogits, allowed: `undefined or a Float32Array of rows × k = ${o.rows * o.k}` })
  }
  const ids = new Int32Array(o.rows * o.k)
  const weights = new Float32Array(o.rows * o.k)
  const selected = winnerLogits ?? new Float32Array(o.rows * o.k)
  // Filled by the kernels below in the pass that reads each row anyway.
  const rowNormalizers = (): SoftmaxNormalizer | undefined => (o.normalizer ? { max: new Float64Array(o.rows), sum: new Float64Array(o.rows) } : undefined)
  if (o.bias === undefined && o.groupScore === 'none') {
    // The plain scan writes the winners' logits itself, while each row is still in cache.
    const normalizer = rowNormalizers()
    plainTopK(logits, o, ids, weights, selected, normalizer)
    return withNormalizer({ ids, winnerLogits: selected, weights }, normalizer)
  }
  if (o.bias === undefined && o.groupScore === 'max' && o.maskValue === -Infinity && o.scoring !== 'logits') {
    // A group's max score is its max logit's score, and masked experts never compete: rank on the logits.
    generalTopK(logits, { ...o, scoring: 'logits', needWeights: false, normalizer: false }, ids, weights)
    if (o.needWeights) referenceWinnerScores(logits, o, ids, weights)
    gatherWinnerLogits(logits, o, ids, selected)
    // The best group holds the row's largest logit, so each row's first winner is its max.
    return withNormalizer({ ids, winnerLogits: selected, weights }, o.normalizer ? softmaxNormalizer(logits, o.rows, o.cols, { ids, k: o.k }) : undefined)
  }
  if (canPruneSigmoid(o)) {
    prunedSigmoidTopK(logits, o, ids, weights, selected)
    return { ids, winnerLogits: selected, weights }
  }
  const normalizer = rowNormalizers()
  generalTopK(logits, o, ids, weights, normalizer)
  gatherWinnerLogits(logits, o, ids, selected)
  return withNormalizer({ ids, winnerLogits: selected, weights }, normalizer)
}

function withNormalizer(out: { ids: Int32Array; winnerLogits: Float32Array; weights: Float32Array }, normalizer: SoftmaxNormalizer | undefined): TopKOutput {
  return normalizer === undefined ? out : { ...out, normalizer }
}

function gatherWinnerLogits(logits: Float32Array, o: ResolvedTopK, ids: Int32Array, out: Float32Array): void {
  const { rows, cols, k } = o
  for (let r = 0; r < rows; r++) for (let i = 0; i < k; i++) out[r * k + i] = logits[r * cols + ids[r * k + i]!]!
}

/**
 * The unbiased scores of already-selected winners, as the reference computes them (float64, stored as
 * float32): softmax over the whole row (ids[0] of a row holds its largest logit), sigmoid, or the logit.
 * Exported so faster backends that select on the logits weigh their winners exactly as the reference does.
 */
export function referenceWinnerScores(logits: Float32Array, o: ResolvedTopK, ids: Int32Array, outWeights: Float32Array): void {
  const { rows, cols, k, scoring } = o
  for (let r = 0; r < rows; r++) {
    const base = r * cols
    const out = r * k
    if (scoring === 'logits') {
      for (let i = 0; i < k; i++) outWeights[out + i] = logits[base + ids[out + i]!]!
      continue
    }
    if (scoring === 'sigmoid') {
      for (let i = 0; i < k; i++) outWeights[out + i] = 1 / (1 + Math.exp(-logits[base + ids[out + i]!]!))
      continue
    }
    const max = logits[base + ids[out]!]!
    let sum = 0
    for (let j = 0; j < cols; j++) sum += Math.exp(logits[base + j]! - max)
    for (let i = 0; i < k; i++) outWeights[out + i] = Math.exp(logits[base + ids[out + i]!]! - max) / sum
  }
}

/** Largest float32: anything not ≥ −this (NaN, −∞) is not a finite logit. */
const MAX_FLOAT32 = 3.4028234663852886e38

/**
 * No bias, no groups: softmax and sigmoid are strictly increasing, so selecting on the raw logits picks
 * exactly the experts with the highest scores (and the same ties), and exp runs only for the normalizer.
 * The scan is the hot loop of every plain router: one compare against the k-th best (a local) per value,
 * the finiteness check folded into the branches (NaN and −∞ fail `v > threshold` and `v ≥ −max`; +∞ is
 * caught on insertion), and the sorted insertion only for the few values that beat the k-th best.
 */
function plainTopK(
  logits: Float32Array,
  o: ResolvedTopK,
  outIds: Int32Array,
  outWeights: Float32Array,
  outLogits: Float32Array,
  normalizer: SoftmaxNormalizer | undefined,
): void {
  const { rows, cols, k, scoring, needWeights } = o
  const topV = new Float64Array(k)
  const topI = new Int32Array(k)
  const last = k - 1
  for (let r = 0; r < rows; r++) {
    const base = r * cols
    // The first k values fill the slots unconditionally (sorted, ties keep id order).
    for (let j = 0; j < k; j++) {
      const v = logits[base + j]!
      if (v - v !== 0) throwFirstNonFiniteInRow('logits', logits, r, cols)
      insertEntry(topV, topI, k, j, v, j)
    }
    let threshold = topV[last]!
    const end = base + cols
    for (let i = base + k; i < end; i++) {
      const v = logits[i]!
      // Strict `>`: an equal later (higher-id) value never displaces an earlier one.
      if (v > threshold) {
        if (v === Infinity) throwFirstNonFiniteInRow('logits', logits, r, cols)
        insertEntry(topV, topI, k, k, v, i - base)
        threshold = topV[last]!
      } else if (!(v >= -MAX_FLOAT32)) {
        throwFirstNonFiniteInRow('logits', logits, r, cols)
      }
    }
    const out = r * k
    for (let i = 0; i < k; i++) outIds[out + i] = topI[i]!
    for (let i = 0; i < k; i++) outLogits[out + i] = topV[i]!
    if (normalizer !== undefined) {
      // The first winner is the row's largest logit.
      const max = topV[0]!
      let sum = 0
      for (let j = 0; j < cols; j++) sum += Math.exp(logits[base + j]! - max)
      normalizer.max[r] = max
      normalizer.sum[r] = sum
      if (needWeights) for (let i = 0; i < k; i++) outWeights[out + i] = Math.exp(topV[i]! - max) / sum
      continue
    }
    if (!needWeights) continue
    if (scoring === 'sigmoid') {
      for (let i = 0; i < k; i++) outWeights[out + i] = 1 / (1 + Math.exp(-topV[i]!))
    } else {
      for (let i = 0; i < k; i++) outWeights[out + i] = topV[i]!
    }
  }
}

/**
 * Bias and/or groups: one fused pass per group computes the scores (float64), the selection values and the
 * group score; then the groups are chosen, then the experts of the chosen groups (or all, with a 0 mask).
 */
export function generalTopK(logits: Float32Array, o: ResolvedTopK, outIds: Int32Array, outWeights: Float32Array, normalizer?: SoftmaxNormalizer): void {
  const { rows, cols, k, scoring, bias, numGroups, topkGroup, groupScore, groupTopN, maskValue, needWeights } = o
  const grouped = groupScore !== 'none'
  const groupSize = cols / numGroups
  const score = new Float64Array(cols)
  const select = bias === undefined ? score : new Float64Array(cols)
  const groupValue = new Float64Array(numGroups)
  const chosen = new Uint8Array(numGroups)
  const topV = new Float64Array(k)
  const topI = new Int32Array(k)
  const groupTopV = new Float64Array(topkGroup)
  const groupTopI = new Int32Array(topkGroup)
  const nBest = new Float64Array(Math.max(groupTopN, 1))
  const skipMasked = maskValue === -Infinity
  const softmax = scoring === 'softmax'
  const sigmoid = scoring === 'sigmoid'

  for (let r = 0; r < rows; r++) {
    const base = r * cols
    // 1. Softmax needs the row's max and normalizer first; the exps are kept for step 2.
    let sum = 1
    if (softmax) {
      let max = -Infinity
      for (let j = 0; j < cols; j++) {
        const v = logits[base + j]!
        if (v - v !== 0) throwFirstNonFiniteInRow('logits', logits, r, cols)
        if (v > max) max = v
      }
      sum = 0
      for (let j = 0; j < cols; j++) {
        const e = Math.exp(logits[base + j]! - max)
        score[j] = e
        sum += e
      }
      if (normalizer !== undefined) {
        normalizer.max[r] = max
        normalizer.sum[r] = sum
      }
    }

    // 2. Per group: scores, selection values (score + bias) and the group score, in one pass.
    for (let g = 0; g < numGroups; g++) {
      const start = g * groupSize
      const end = start + groupSize
      let first = -Infinity
      let second = -Infinity
      let filled = 0
      for (let j = start; j < end; j++) {
        let s: number
        if (softmax) {
          s = score[j]! / sum
        } else {
          const v = logits[base + j]!
          if (v - v !== 0) throwFirstNonFiniteInRow('logits', logits, r, cols)
          s = sigmoid ? 1 / (1 + Math.exp(-v)) : v
        }
        score[j] = s
        let v = s
        if (bias !== undefined) {
          v = s + bias[j]!
          select[j] = v
        }
        if (!grouped) continue
        if (groupTopN <= 2) {
          // 'max' tracks `first` only; 'top2_sum' also `second`.
          if (v > first) {
            second = first
            first = v
          } else if (v > second) {
            second = v
          }
        } else if (filled < groupTopN || v > nBest[groupTopN - 1]!) {
          filled = insertValue(nBest, groupTopN, filled, v)
        }
      }
      if (!grouped) continue
      if (groupScore === 'max') groupValue[g] = first
      else if (groupTopN === 1) groupValue[g] = first
      else if (groupTopN === 2) groupValue[g] = first + second
      else {
        let t = 0
        for (let i = 0; i < groupTopN; i++) t += nBest[i]!
        groupValue[g] = t
      }
    }

    // 3. The chosen groups (ties → lower group id).
    if (grouped) {
      rankGroups(groupValue, numGroups, topkGroup, groupTopV, groupTopI)
      chosen.fill(0)
      for (let i = 0; i < topkGroup; i++) chosen[groupTopI[i]!] = 1
    }

    // 4. Experts, in id order so ties resolve to the lower id.
    let filled = 0
    let threshold = -Infinity
    for (let g = 0; g < numGroups; g++) {
      const inGroup = !grouped || chosen[g] === 1
      if (!inGroup && skipMasked) continue
      const start = g * groupSize
      for (let j = start; j < start + groupSize; j++) {
        const v = inGroup ? select[j]! : maskValue
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
