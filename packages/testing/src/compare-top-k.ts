import type { TopKOptions, TopKOutput } from '@routesim/core'

/** Float64 scores of one row, written plainly (independent of the kernels it checks). */
export interface RowScores {
  /** Unbiased scores: the weights a backend must return. */
  readonly score: Float64Array
  /** Selection values after bias and the group mask. */
  readonly select: Float64Array
  /** Group scores (empty without grouping). */
  readonly groupValues: Float64Array
}

export function scoreRow(row: ArrayLike<number>, options: TopKOptions): RowScores {
  const cols = row.length
  const score = new Float64Array(cols)
  if (options.scoring === 'softmax') {
    let max = -Infinity
    for (let j = 0; j < cols; j++) max = Math.max(max, row[j]!)
    let sum = 0
    for (let j = 0; j < cols; j++) sum += Math.exp(row[j]! - max)
    for (let j = 0; j < cols; j++) score[j] = Math.exp(row[j]! - max) / sum
  } else if (options.scoring === 'sigmoid') {
    for (let j = 0; j < cols; j++) score[j] = 1 / (1 + Math.exp(-row[j]!))
  } else {
    for (let j = 0; j < cols; j++) score[j] = row[j]!
  }
  const select = score.map((s, j) => s + (options.bias ? options.bias[j]! : 0))
  const grouping = options.grouping
  if (!grouping) return { score, select, groupValues: new Float64Array(0) }
  const size = cols / grouping.numGroups
  const n = grouping.groupScore === 'max' ? 1 : grouping.groupScore === 'top2_sum' ? 2 : grouping.groupTopN!
  const groupValues = new Float64Array(grouping.numGroups)
  for (let g = 0; g < grouping.numGroups; g++) {
    const members = Array.from(select.subarray(g * size, (g + 1) * size)).sort((a, b) => b - a)
    groupValues[g] = members.slice(0, n).reduce((a, b) => a + b, 0)
  }
  const order = Array.from(groupValues.keys()).sort((a, b) => groupValues[b]! - groupValues[a]! || a - b)
  const chosen = new Set(order.slice(0, grouping.topkGroup))
  const mask = grouping.maskValue ?? -Infinity
  for (let j = 0; j < cols; j++) if (!chosen.has(Math.floor(j / size))) select[j] = mask
  return { score, select, groupValues }
}

function relativeGap(a: number, b: number): number {
  if (a === b) return 0
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), Number.MIN_VALUE)
}

/** Whether adjacent values among the best `count + 1` of `values` lie within `tolerance` of each other. */
function hasNearTie(values: Float64Array, count: number, tolerance: number): boolean {
  const sorted = Array.from(values).sort((a, b) => b - a).slice(0, count + 1)
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i - 1] !== -Infinity && relativeGap(sorted[i - 1]!, sorted[i]!) <= tolerance) return true
  }
  return false
}

export interface CompareTopKOptions {
  readonly logits: Float32Array
  readonly rows: number
  readonly cols: number
  readonly options: TopKOptions
  readonly reference: TopKOutput
  readonly candidate: TopKOutput
  /** Two scores closer than this (relative) may be ordered either way. Default 1e-6 (a few float32 ulps). */
  readonly tieRelTol?: number
  /** Weights must match within this relative error. Default 1e-6. */
  readonly weightRelTol?: number
  /** Absolute floor for weights near 0 (e.g. logit scoring of a value near 0). Default 1e-12. */
  readonly weightAbsTol?: number
  /** Report at most this many problems. Default 10. */
  readonly maxProblems?: number
}

export interface CompareTopKResult {
  /** Human-readable differences; empty when the candidate conforms. */
  readonly problems: string[]
  /** Rows whose ids differ only where scores tie within `tieRelTol`. */
  readonly toleratedRows: number
}

/**
 * Compares a backend's top-k with the reference's: ids identical except in rows where two scores (or two
 * group scores) tie within float32 rounding; weights within a relative tolerance of the exact scores.
 */
export function compareTopK(input: CompareTopKOptions): CompareTopKResult {
  const { logits, rows, cols, options, reference, candidate } = input
  const { k } = options
  const tieRelTol = input.tieRelTol ?? 1e-6
  const weightRelTol = input.weightRelTol ?? 1e-6
  const weightAbsTol = input.weightAbsTol ?? 1e-12
  const maxProblems = input.maxProblems ?? 10
  const needWeights = options.needWeights ?? true
  const problems: string[] = []
  let toleratedRows = 0
  const report = (text: string) => {
    if (problems.length < maxProblems) problems.push(text)
  }
  if (!(candidate.ids instanceof Int32Array) || candidate.ids.length !== rows * k) {
    report(`ids: expected an Int32Array of ${rows * k}, got ${candidate.ids?.constructor?.name}(${candidate.ids?.length})`)
    return { problems, toleratedRows }
  }
  if (!(candidate.weights instanceof Float32Array) || candidate.weights.length !== rows * k) {
    report(`weights: expected a Float32Array of ${rows * k}, got ${candidate.weights?.constructor?.name}(${candidate.weights?.length})`)
    return { problems, toleratedRows }
  }
  for (let r = 0; r < rows && problems.length < maxProblems; r++) {
    const base = r * k
    let same = true
    for (let i = 0; i < k; i++) if (candidate.ids[base + i] !== reference.ids[base + i]) same = false
    let scores: RowScores | undefined
    if (!same) {
      scores = scoreRow(logits.subarray(r * cols, (r + 1) * cols), options)
      const groupTie = options.grouping !== undefined && hasNearTie(scores.groupValues, options.grouping.topkGroup, tieRelTol)
      // A group-score tie can change which experts are eligible; judge the candidate on unmasked values then.
      const values = groupTie ? scoreRow(logits.subarray(r * cols, (r + 1) * cols), { ...options, grouping: undefined }).select : scores.select
      const ids = Array.from(candidate.ids.subarray(base, base + k))
      const refIds = Array.from(reference.ids.subarray(base, base + k))
      const distinct = new Set(ids).size === k && ids.every((id) => id >= 0 && id < cols)
      // Every candidate pick must be as good as the reference pick at its rank, up to a tie.
      const tiesOnly =
        distinct &&
        ids.every((id, i) => relativeGap(values[id]!, scores!.select[refIds[i]!]!) <= tieRelTol || values[id]! >= scores!.select[refIds[i]!]!) &&
        (groupTie || hasNearTie(scores.select, k, tieRelTol))
      if (!tiesOnly) {
        report(`row ${r}: ids [${ids.join(', ')}], reference [${refIds.join(', ')}] (no tie within ${tieRelTol} explains it)`)
        continue
      }
      toleratedRows++
    }
    if (!needWeights) continue
    for (let i = 0; i < k; i++) {
      const w = candidate.weights[base + i]!
      const expected = same ? reference.weights[base + i]! : scores!.score[candidate.ids[base + i]!]!
      if (!(Math.abs(w - expected) <= weightRelTol * Math.abs(expected) + weightAbsTol)) {
        report(`row ${r}, slot ${i} (expert ${candidate.ids[base + i]}): weight ${w}, reference ${expected} (relative tolerance ${weightRelTol})`)
      }
    }
  }
  return { problems, toleratedRows }
}
