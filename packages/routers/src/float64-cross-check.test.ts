import { describe, expect, it } from 'vitest'
import { createPrng } from '@routesim/core'
import type { RoutingResult } from '@routesim/core'
import { groupedTopK } from './grouped-top-k.ts'
import type { GroupedTopKOptions } from './grouped-top-k.ts'
import { llama4TopK } from './llama4-top-k.ts'
import { sigmoidTopK } from './sigmoid-top-k.ts'
import { softmaxTopK } from './softmax-top-k.ts'

/*
 * An independent float64 implementation of every router, written plainly from the formulas in
 * anchors-domain §b.5–b.8 (sort-based, one row at a time, no shared code with the package), and a
 * cross-check on thousands of random rows.
 */

type Row = number[]

const softmax = (x: Row): Row => {
  const m = Math.max(...x)
  const e = x.map((v) => Math.exp(v - m))
  const z = e.reduce((a, b) => a + b, 0)
  return e.map((v) => v / z)
}
const sigmoid = (x: Row): Row => x.map((v) => 1 / (1 + Math.exp(-v)))
const sum = (x: Row): number => x.reduce((a, b) => a + b, 0)
/** Indices of the k largest values; a stable sort keeps the lower index first on ties (torch/vLLM rule). */
const topIndices = (x: Row, k: number): number[] =>
  x
    .map((v, i) => [v, i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, i]) => i)

interface Expected {
  ids: number[]
  weights: number[]
}

function softmaxTopKF64(l: Row, k: number, renormalize: boolean): Expected {
  const p = softmax(l)
  const ids = topIndices(p, k)
  const w = ids.map((i) => p[i]!)
  return { ids, weights: renormalize ? w.map((v) => v / sum(w)) : w }
}

function sigmoidTopKF64(l: Row, k: number, o: { renormalize: boolean; bias?: Row; scale: number }): Expected {
  const s = sigmoid(l)
  const ids = topIndices(o.bias ? s.map((v, i) => v + o.bias![i]!) : s, k)
  let w = ids.map((i) => s[i]!)
  if (o.renormalize) w = w.map((v) => v / sum(w))
  return { ids, weights: w.map((v) => v * o.scale) }
}

function llama4F64(l: Row, k: number): Expected {
  const ids = topIndices(l, k)
  return { ids, weights: ids.map((i) => 1 / (1 + Math.exp(-l[i]!))) }
}

function groupedF64(l: Row, k: number, o: Required<Omit<GroupedTopKOptions, 'correctionBias'>> & { correctionBias?: Row }): Expected {
  const E = l.length
  const G = o.numExpertGroup
  const size = E / G
  const bias = o.correctionBias
  if (o.variant === 'megatron' && o.scoring === 'softmax') {
    // Megatron, use_pre_softmax = false: group on the raw logits (sum of each group's top k // topkGroup),
    // then top-k on masked logits, then softmax over the selected logits.
    const n = Math.floor(k / o.topkGroup)
    const groupScore = Array.from({ length: G }, (_, g) => sum(topIndices(l.slice(g * size, (g + 1) * size), n).map((i) => l[g * size + i]!)))
    const keep = new Set(topIndices(groupScore, o.topkGroup))
    const ids = topIndices(
      l.map((v, i) => (keep.has(Math.floor(i / size)) ? v : -Infinity)),
      k,
    )
    return { ids, weights: softmax(ids.map((i) => l[i]!)).map((v) => v * o.routedScalingFactor) }
  }
  const s = o.scoring === 'softmax' ? softmax(l) : sigmoid(l)
  const choice = s.map((v, i) => v + (bias ? bias[i]! : 0))
  const groupValue = (members: Row): number => {
    const sorted = [...members].sort((a, b) => b - a)
    if (o.variant === 'vllm') return bias ? sorted[0]! + sorted[1]! : sorted[0]!
    if (o.variant === 'hf') return sorted[0]! + sorted[1]!
    if (o.variant === 'hf_v2') return sorted[0]!
    return sum(sorted.slice(0, Math.floor(k / o.topkGroup)))
  }
  let masked = choice
  const grouped = o.variant !== 'vllm' || (E > G && E % G === 0)
  if (grouped) {
    const groupScore = Array.from({ length: G }, (_, g) => groupValue(choice.slice(g * size, (g + 1) * size)))
    const keep = new Set(topIndices(groupScore, o.topkGroup))
    const fill = o.variant === 'hf' || o.variant === 'hf_v2' ? 0 : -Infinity
    masked = choice.map((v, i) => (keep.has(Math.floor(i / size)) ? v : fill))
  }
  const ids = topIndices(masked, k)
  // HF DeepSeek-V2 gathers its weights from the masked scores; the others from the unmasked scores.
  const w = ids.map((i) => (o.variant === 'hf_v2' ? masked[i]! : s[i]!))
  const scale = o.routedScalingFactor
  let weights: Row
  switch (o.variant) {
    case 'vllm':
      weights = (o.renormalize ? w.map((v) => v / sum(w)) : w).map((v) => v * scale)
      break
    case 'hf':
      weights = (o.renormalize ? w.map((v) => v / (sum(w) + 1e-20)) : w).map((v) => v * scale)
      break
    case 'hf_v2':
      weights = k > 1 && o.renormalize ? w.map((v) => v / (sum(w) + 1e-20)) : w.map((v) => v * scale)
      break
    case 'megatron':
      weights = (k > 1 ? w.map((v) => v / (sum(w) + 1e-20)) : w).map((v) => v * scale)
      break
  }
  return { ids, weights }
}

function randomRows(seed: number, rows: number, cols: number, scale: number): Float32Array {
  const prng = createPrng(seed, 'cross-check')
  return Float32Array.from({ length: rows * cols }, () => prng.nextNormal() * scale)
}

function crossCheck(label: string, logits: Float32Array, cols: number, k: number, actual: RoutingResult, expected: (row: Row) => Expected) {
  const rows = logits.length / cols
  const ids = actual[1].data as Int32Array
  const weights = actual[0].data
  let mismatches = 0
  for (let r = 0; r < rows; r++) {
    const want = expected(Array.from(logits.subarray(r * cols, (r + 1) * cols)))
    const got = Array.from(ids.subarray(r * k, (r + 1) * k))
    if (got.join() !== want.ids.join()) {
      if (mismatches++ < 3) expect.fail(`${label}, row ${r}: ids [${got}] vs float64 [${want.ids}]`)
    }
    for (let i = 0; i < k; i++) {
      const w = weights[r * k + i]!
      const e = want.weights[i]!
      if (!(Math.abs(w - e) <= 1e-6 * Math.abs(e) + 1e-30)) expect.fail(`${label}, row ${r}, slot ${i}: weight ${w} vs float64 ${e}`)
    }
  }
  expect(mismatches).toBe(0)
}

describe('every router agrees with an independent float64 implementation on thousands of random rows', () => {
  const rows = 2000
  const E = 64
  const logits = randomRows(1, rows, E, 2)
  const tensor = { data: logits, shape: [rows, E] }
  const biasPrng = createPrng(2, 'bias')
  const bias = Array.from({ length: E }, () => biasPrng.nextNormal() * 0.05)
  const negativeBias = bias.map((b) => b - 0.9)

  it.each([true, false])('softmax_topk, renormalize = %s', (renormalize) => {
    crossCheck('softmax_topk', logits, E, 6, softmaxTopK(tensor, 6, { renormalize }), (l) => softmaxTopKF64(l, 6, renormalize))
  })

  it.each([
    { renormalize: true, scale: 1 },
    { renormalize: false, scale: 1 },
    { renormalize: true, scale: 2.5, bias },
    { renormalize: false, scale: 2.5, bias },
  ])('sigmoid_topk %o', ({ renormalize, scale, bias }) => {
    const result = sigmoidTopK(tensor, 8, { renormalize, routedScalingFactor: scale, ...(bias ? { correctionBias: bias } : {}) })
    crossCheck('sigmoid_topk', logits, E, 8, result, (l) => sigmoidTopKF64(l, 8, { renormalize, scale, ...(bias ? { bias } : {}) }))
  })

  it('llama4_topk', () => {
    crossCheck('llama4_topk', logits, E, 1, llama4TopK(tensor, 1), (l) => llama4F64(l, 1))
    crossCheck('llama4_topk', logits, E, 4, llama4TopK(tensor, 4), (l) => llama4F64(l, 4))
  })

  const groupedCases: (Omit<GroupedTopKOptions, 'correctionBias'> & { correctionBias?: number[]; k: number })[] = [
    { variant: 'vllm', scoring: 'softmax', k: 8 },
    { variant: 'vllm', scoring: 'softmax', k: 8, renormalize: false },
    { variant: 'vllm', scoring: 'sigmoid', k: 8, correctionBias: bias, routedScalingFactor: 2.5 },
    { variant: 'vllm', scoring: 'sigmoid', k: 6, correctionBias: bias, renormalize: false, routedScalingFactor: 2.5 },
    { variant: 'vllm', scoring: 'sigmoid', k: 4, numExpertGroup: 16, topkGroup: 2 },
    { variant: 'hf', scoring: 'sigmoid', k: 8, correctionBias: negativeBias, routedScalingFactor: 2.5 },
    { variant: 'hf', scoring: 'sigmoid', k: 8, correctionBias: bias, renormalize: false, routedScalingFactor: 2.5 },
    { variant: 'hf', scoring: 'softmax', k: 6, numExpertGroup: 4, topkGroup: 1 },
    { variant: 'hf_v2', scoring: 'softmax', k: 6, routedScalingFactor: 16 },
    { variant: 'hf_v2', scoring: 'softmax', k: 6, renormalize: false, routedScalingFactor: 16 },
    { variant: 'hf_v2', scoring: 'softmax', k: 1, routedScalingFactor: 16 },
    { variant: 'hf_v2', scoring: 'softmax', k: 12, numExpertGroup: 8, topkGroup: 1 },
    { variant: 'hf', scoring: 'sigmoid', k: 12, numExpertGroup: 8, topkGroup: 1, correctionBias: negativeBias },
    { variant: 'megatron', scoring: 'softmax', k: 8 },
    { variant: 'megatron', scoring: 'sigmoid', k: 8, correctionBias: bias, routedScalingFactor: 2.5 },
    { variant: 'megatron', scoring: 'sigmoid', k: 4, numExpertGroup: 8, topkGroup: 4 },
  ]
  it.each(groupedCases)('grouped_topk %o', ({ k, ...options }) => {
    const resolved = {
      numExpertGroup: 8,
      topkGroup: 4,
      scoring: 'softmax' as const,
      renormalize: true,
      routedScalingFactor: 1,
      variant: 'vllm' as const,
      ...options,
    }
    crossCheck(`grouped_topk ${resolved.variant}`, logits, E, k, groupedTopK(tensor, k, options), (l) => groupedF64(l, k, resolved))
  })

  it('grouped_topk vllm falls back to plain (biased) top-k when E is not divisible by the group count', () => {
    const E30 = 30
    const l30 = randomRows(3, 1000, E30, 2)
    const bias30 = bias.slice(0, E30)
    const result = groupedTopK({ data: l30, shape: [1000, E30] }, 4, { scoring: 'sigmoid', correctionBias: bias30, routedScalingFactor: 2.5 })
    crossCheck('grouped_topk fallback', l30, E30, 4, result, (l) => sigmoidTopKF64(l, 4, { renormalize: true, scale: 2.5, bias: bias30 }))
  })

  it('grouped_topk at DeepSeek-V3 size (E = 256, 8 groups, keep 4, k = 8, sigmoid + bias, × 2.5)', () => {
    const E256 = 256
    const l256 = randomRows(4, 500, E256, 2)
    const prng = createPrng(5, 'bias256')
    const b256 = Array.from({ length: E256 }, () => prng.nextNormal() * 0.05)
    const options = { numExpertGroup: 8, topkGroup: 4, scoring: 'sigmoid' as const, correctionBias: b256, routedScalingFactor: 2.5 }
    const resolved = { ...options, renormalize: true, variant: 'vllm' as const }
    crossCheck('grouped_topk V3', l256, E256, 8, groupedTopK({ data: l256, shape: [500, E256] }, 8, options), (l) => groupedF64(l, 8, resolved))
  })
})
