import { InvalidLogitsError } from '@routesim/core'
import type { TopKOutput, validateTopKArguments } from '@routesim/core'
import { cellCount, floatLiteral, normaliserSource, packingFor, topKSource, unpackIds } from './kernel-source.ts'
import type { KernelRunner } from './kernel-runner.ts'
import { KERNEL_MAX_EXPERTS, KERNEL_MAX_GROUPS, KERNEL_MAX_TOPK, KERNEL_VALUE_LIMIT } from './thresholds.ts'

/** A `topK` call as core's validation resolves it. */
export type ResolvedTopKLike = ReturnType<typeof validateTopKArguments>

/** Largest `groupTopN` the kernel unrolls per group (Megatron uses k / topkGroup, typically ≤ 4). */
export const KERNEL_MAX_GROUP_TOPN = 8

/** Why a validated top-k call cannot run in a kernel (then it hands off), or undefined when it can. */
export function topKKernelLimitation(o: ResolvedTopKLike): string | undefined {
  if (o.cols > KERNEL_MAX_EXPERTS) return `E = ${o.cols} > KERNEL_MAX_EXPERTS (${KERNEL_MAX_EXPERTS})`
  if (o.k > KERNEL_MAX_TOPK) return `k = ${o.k} > KERNEL_MAX_TOPK (${KERNEL_MAX_TOPK})`
  if (o.groupScore !== 'none') {
    if (o.numGroups > KERNEL_MAX_GROUPS) return `${o.numGroups} groups > KERNEL_MAX_GROUPS (${KERNEL_MAX_GROUPS})`
    if (o.groupTopN > KERNEL_MAX_GROUP_TOPN) return `groupTopN = ${o.groupTopN} > ${KERNEL_MAX_GROUP_TOPN}`
    if (o.maskValue !== -Infinity && Math.abs(o.maskValue) > KERNEL_VALUE_LIMIT) return `|maskValue| > ${KERNEL_VALUE_LIMIT}`
  }
  if (o.bias !== undefined) {
    for (let j = 0; j < o.bias.length; j++) if (Math.abs(o.bias[j]!) > KERNEL_VALUE_LIMIT) return `|bias| > ${KERNEL_VALUE_LIMIT}`
  }
  return undefined
}

/**
 * Scans the logits once on the host: non-finite values are an error (the typed error names row and
 * expert), finite values beyond ±KERNEL_VALUE_LIMIT make the call hand off (returns false).
 */
export function checkLogitsForKernel(logits: Float32Array, cols: number): boolean {
  let inRange = true
  // Local copies: module bindings may compile to getter calls (e.g. under vitest), once per element.
  const hi = KERNEL_VALUE_LIMIT
  const lo = -KERNEL_VALUE_LIMIT
  const n = logits.length
  for (let i = 0; i < n; i++) {
    const v = logits[i]!
    if (!(v <= hi && v >= lo)) {
      if (v - v !== 0) {
        throw new InvalidLogitsError({ parameter: 'logits', row: Math.floor(i / cols), column: i % cols, value: v })
      }
      inRange = false
    }
  }
  return inRange
}

export interface GpuTopKPlan {
  readonly runner: KernelRunner
  readonly polynomialExp: boolean
  /** Rows per kernel call. */
  readonly chunkRows: number
}

/**
 * Top-k on gpu.js: ids (and the softmax normaliser's sum) in the kernel; the winners' logits gathered on the
 * host, the row max there too; the deprecated weights of the k winners on the host when asked for.
 */
export async function gpuTopK(logits: Float32Array, o: ResolvedTopKLike, plan: GpuTopKPlan): Promise<TopKOutput> {
  const { rows, cols, k, scoring } = o
  const ids = new Int32Array(rows * k)
  const weights = new Float32Array(rows * k)
  const winnerLogits = new Float32Array(rows * k)
  const normalizer = o.normalizer ? { max: new Float64Array(rows), sum: new Float64Array(rows) } : undefined
  const grouping =
    o.groupScore === 'none'
      ? undefined
      : { numGroups: o.numGroups, topkGroup: o.topkGroup, topN: o.groupScore === 'max' ? 1 : o.groupTopN, maskValue: o.maskValue }
  const generated = topKSource({
    numExperts: cols,
    k,
    scoring,
    hasBias: o.bias !== undefined,
    grouping,
    polynomialExp: plan.polynomialExp,
    withNormaliser: o.normalizer,
  })
  // The kernel's row max is the top-1 logit when selection runs on plain logits; otherwise recompute it.
  const topIsMax = o.bias === undefined && grouping === undefined
  const packing = packingFor(cols)
  // The key names everything the source depends on: a kernel compiled without the normaliser must never
  // serve a call that needs it (same shape, other options).
  const keyBase = [
    'topk',
    cols,
    k,
    scoring,
    o.bias !== undefined,
    o.normalizer ? 'normaliser' : 'ids',
    grouping ? `${grouping.numGroups}/${grouping.topkGroup}/${grouping.topN}/${floatLiteral(grouping.maskValue)}` : '-',
  ].join(':')
  let sums: Float32Array = new Float32Array(0)

  for (let start = 0; start < rows; start += plan.chunkRows) {
    const n = Math.min(plan.chunkRows, rows - start)
    const cells = cellCount(n, generated.groups)
    const args: unknown[] = [plan.runner.input(logits.subarray(start * cols, (start + n) * cols), [cols, n])]
    if (o.bias !== undefined) args.push(o.bias)
    const flat = await plan.runner.run({ key: `${keyBase}:${n}`, source: generated.source, cells, constants: { E: cols, N: n } }, args)
    unpackIds(flat, n, k, generated.groups, generated.idGroups, packing, ids, start)
    for (let t = start; t < start + n; t++) for (let j = t * k; j < (t + 1) * k; j++) winnerLogits[j] = logits[t * cols + ids[j]!]!
    if (!o.needWeights && normalizer === undefined) continue
    if (generated.normaliser === 'inline') {
      sums = new Float32Array(n)
      const last = (generated.idGroups - 1) * 16 + 3
      for (let t = 0; t < n; t++) sums[t] = flat[((t >> 2) * 4 * generated.groups + (t & 3)) * 4 + last]!
    } else if (generated.normaliser === 'separate') {
      sums = await plan.runner.run(
        { key: `normaliser:${cols}:${n}`, source: normaliserSource(plan.polynomialExp), cells: n, constants: { E: cols, N: n }, returnType: 'Number' },
        args.slice(0, 1),
      )
    }
    for (let t = 0; t < n; t++) {
      const row = start + t
      const base = row * cols
      if (scoring === 'softmax') {
        let m = logits[base + ids[row * k]!]!
        if (!topIsMax) for (let j = 0; j < cols; j++) m = Math.max(m, logits[base + j]!)
        const s = sums[t]!
        normalizer!.max[row] = m
        normalizer!.sum[row] = s
        if (o.needWeights) for (let j = 0; j < k; j++) weights[row * k + j] = Math.exp(logits[base + ids[row * k + j]!]! - m) / s
      } else if (scoring === 'sigmoid') {
        for (let j = 0; j < k; j++) weights[row * k + j] = 1 / (1 + Math.exp(-logits[base + ids[row * k + j]!]!))
      } else {
        for (let j = 0; j < k; j++) weights[row * k + j] = logits[base + ids[row * k + j]!]!
      }
    }
  }
  return { ids, weights, winnerLogits, ...(normalizer ? { normalizer } : {}) }
}
