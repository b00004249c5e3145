import type { GroupSelection, TopKOptions, TopKOutput } from '@routesim/core'

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
  const { score, unmasked } = unmaskedScores(row, options)
  const select = unmasked.slice()
  const grouping = options.grouping
  if (!grouping) return { score, select, groupValues: new Float64Array(0) }
  const groupValues = groupScores(unmasked, grouping)
  const order = groupOrder(groupValues)
  applyGroupMask(select, unmasked, new Set(order.slice(0, grouping.topkGroup)), grouping)
  return { score, select, groupValues }
}

/** Unbiased scores and the selection values before any group mask. */
function unmaskedScores(row: ArrayLike<number>, options: TopKOptions): { score: Float64Array; unmasked: Float64Array } {
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
  return { score, unmasked: score.map((s, j) => s + (options.bias ? options.bias[j]! : 0)) }
}

function groupScores(unmasked: Float64Array, grouping: GroupSelection): Float64Array {
  const size = unmasked.length / grouping.numGroups
  const n = grouping.groupScore === 'max' ? 1 : grouping.groupScore === 'top2_sum' ? 2 : grouping.groupTopN!
  const groupValues = new Float64Array(grouping.numGroups)
  for (let g = 0; g < grouping.numGroups; g++) {
    const members = Array.from(unmasked.subarray(g * size, (g + 1) * size)).sort((a, b) => b - a)
    groupValues[g] = members.slice(0, n).reduce((a, b) => a + b, 0)
  }
  return groupValues
}

/** Group ids by descending score, ties → lower id. */
function groupOrder(groupValues: Float64Array): number[] {
  return Array.from(groupValues.keys()).sort((a, b) => groupValues[b]! - groupValues[a]! || a - b)
}

function applyGroupMask(select: Float64Array, unmasked: Float64Array, chosen: Set<number>, grouping: GroupSelection): void {
  const size = unmasked.length / grouping.numGroups
  const mask = grouping.maskValue ?? -Infinity
  for (let j = 0; j < select.length; j++) select[j] = chosen.has(Math.floor(j / size)) ? unmasked[j]! : mask
}

/** Top-k of float64 values: descending, ties → lower id. */
function topKOf(values: Float64Array, k: number): number[] {
  return Array.from(values.keys())
    .sort((a, b) => values[b]! - values[a]! || a - b)
    .slice(0, k)
}

/**
 * Masked selection values for every choice of groups a float32 kernel may legitimately make: the reference
 * choice, and each swap of a kept group with a dropped one whose scores tie within `tolerance` at the cut.
 */
function groupChoices(row: ArrayLike<number>, options: TopKOptions, tolerance: number): Float64Array[] {
  const grouping = options.grouping!
  const { unmasked } = unmaskedScores(row, options)
  const groupValues = groupScores(unmasked, grouping)
  const order = groupOrder(groupValues)
  const kept = order.slice(0, grouping.topkGroup)
  const dropped = order.slice(grouping.topkGroup)
  const choices: Set<number>[] = [new Set(kept)]
  if (dropped.length > 0) {
    const lastKept = groupValues[kept[kept.length - 1]!]!
    const firstDropped = groupValues[dropped[0]!]!
    for (const a of kept) {
      if (relativeGap(groupValues[a]!, firstDropped) > tolerance) continue
      for (const b of dropped) {
        if (relativeGap(groupValues[b]!, lastKept) > tolerance) continue
        choices.push(new Set([...kept.filter((g) => g !== a), b]))
      }
    }
  }
  return choices.map((chosen) => {
    const select = new Float64Array(unmasked.length)
    applyGroupMask(select, unmasked, chosen, grouping)
    return select
  })
}

/** Whether `ids` is the top-k of `values` up to ties: each pick as good as the exact pick at its rank. */
function matchesUpToTies(ids: number[], values: Float64Array, exact: number[], k: number, tolerance: number): boolean {
  if (ids.every((id, i) => id === exact[i])) return true
  return (
    ids.every((id, i) => relativeGap(values[id]!, values[exact[i]!]!) <= tolerance || values[id]! >= values[exact[i]!]!) && hasNearTie(values, k, tolerance)
  )
}

function relativeGap(a: number, b: number): number {
  if (a === b) return 0
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), Number.MIN_VALUE)
}

/** Whether adjacent values among the best `count + 1` of `values` lie within `tolerance` of each other. */
function hasNearTie(values: Float64Array, count: number, tolerance: number): boolean {
  const sorted = Array.from(values)
    .sort((a, b) => b - a)
    .slice(0, count + 1)
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
  readonly candidate: TopKOutput | { readonly ids: Int32Array; readonly weights: Float32Array }
  /**
   * Compare only ids and weights, for outputs outside the `KernelBackend` contract (the webgpu resident
   * path reads back ids and device-computed weights, never the logits). Default false.
   */
  readonly idsAndWeightsOnly?: boolean
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

function describeArray(value: unknown): string {
  return value === undefined ? 'undefined' : `${(value as object)?.constructor?.name}(${(value as { length?: number })?.length})`
}

/**
 * Compares a backend's top-k with the reference's: ids identical except in rows where two scores (or two
 * group scores) tie within float32 rounding; the winners' logits exactly the input's values at those ids;
 * the softmax normaliser (when asked for) with the row's exact max and its sum within a relative tolerance;
 * the deprecated weights (when asked for) within a relative tolerance of the exact scores.
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
  // The contract: the winners' logits, exactly the input's values at the returned ids.
  const contract = input.idsAndWeightsOnly !== true
  const selected = 'winnerLogits' in candidate ? candidate.winnerLogits : undefined
  if (contract && (!(selected instanceof Float32Array) || selected.length !== rows * k)) {
    report(`winnerLogits: expected a Float32Array of ${rows * k}, got ${describeArray(selected)}`)
    return { problems, toleratedRows }
  }
  for (let r = 0; contract && selected !== undefined && r < rows && problems.length < maxProblems; r++) {
    for (let i = r * k; i < (r + 1) * k; i++) {
      const id = candidate.ids[i]!
      if (id >= 0 && id < cols && !Object.is(selected[i], logits[r * cols + id])) {
        report(`row ${r}, slot ${i - r * k}: winnerLogits ${selected[i]}, but logits[${r}, ${id}] is ${logits[r * cols + id]}`)
      }
    }
  }
  // Softmax with the normaliser asked for (or the deprecated weights): each row's max logit and Σ exp(l − max).
  if (contract && options.scoring === 'softmax' && (options.normalizer === true || needWeights)) {
    const normalizer = 'normalizer' in candidate ? candidate.normalizer : undefined
    if (
      !(normalizer?.max instanceof Float64Array) ||
      !(normalizer.sum instanceof Float64Array) ||
      normalizer.max.length !== rows ||
      normalizer.sum.length !== rows
    ) {
      report(
        `normalizer: expected { max, sum } Float64Arrays of ${rows} rows, got ${normalizer === undefined ? 'undefined' : `max ${describeArray(normalizer.max)}, sum ${describeArray(normalizer.sum)}`}`,
      )
      return { problems, toleratedRows }
    }
    for (let r = 0; r < rows && problems.length < maxProblems; r++) {
      const row = logits.subarray(r * cols, (r + 1) * cols)
      let max = -Infinity
      for (const v of row) if (v > max) max = v
      let sum = 0
      for (const v of row) sum += Math.exp(v - max)
      if (normalizer.max[r] !== max) report(`row ${r}: normalizer.max ${normalizer.max[r]}, the row's largest logit is ${max}`)
      if (!(Math.abs(normalizer.sum[r]! - sum) <= weightRelTol * sum)) {
        report(`row ${r}: normalizer.sum ${normalizer.sum[r]}, exact ${sum} (relative tolerance ${weightRelTol})`)
      }
    }
  }
  for (let r = 0; r < rows && problems.length < maxProblems; r++) {
    const base = r * k
    let same = true
    for (let i = 0; i < k; i++) if (candidate.ids[base + i] !== reference.ids[base + i]) same = false
    let scores: RowScores | undefined
    if (!same) {
      scores = scoreRow(logits.subarray(r * cols, (r + 1) * cols), options)
      const row = logits.subarray(r * cols, (r + 1) * cols)
      const groupTie = options.grouping !== undefined && hasNearTie(scores.groupValues, options.grouping.topkGroup, tieRelTol)
      // A group-score tie at the cut lets a float32 kernel keep the other group: judge the candidate against
      // the top-k of each such choice of groups, each up to expert ties.
      const choices = groupTie ? groupChoices(row, options, tieRelTol) : [scores.select]
      const ids = Array.from(candidate.ids.subarray(base, base + k))
      const refIds = Array.from(reference.ids.subarray(base, base + k))
      const distinct = new Set(ids).size === k && ids.every((id) => id >= 0 && id < cols)
      // The first choice is the reference's own; its picks are the reference ids.
      const tiesOnly = distinct && choices.some((values, c) => matchesUpToTies(ids, values, c === 0 ? refIds : topKOf(values, k), k, tieRelTol))
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
