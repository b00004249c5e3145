import { throwFirstNonFiniteInRow } from '@routesim/core'
import { referenceTopK } from '@routesim/backend-cpu'
import type { ResolvedTopK, TopKOptions } from '@routesim/core'
import type { KernelExports } from './kernel-instance.ts'
import { WASM_CHUNK_FLOATS, WASM_MAX_COLS, align, ensureMemory } from './wasm-top-k.ts'

/**
 * |σ̃ − σ| of the kernel's f32 sigmoid, with room to spare: a test measures the real error over a dense
 * sweep of float32 logits and requires it to stay below a quarter of this.
 */
export const SIGMOID_APPROX_BOUND = 2e-6
/** Above this |bias|, float32 rounding of σ̃ + bias would blur the ranking: such calls go to the reference. */
export const WASM_MAX_BIAS = 1024

/** The kernel's row flags (asm/sigmoid-top-k.ts). */
const ROW_ORDERED = 0
const ROW_AMBIGUOUS = 1

/**
 * Whether the sigmoid kernel takes this call: sigmoid scoring with a bias and/or groups whose score is
 * the best or the top-2 sum (vLLM, Megatron with k/topkGroup ≤ 2), a −∞ mask, groups of a multiple of 4
 * experts, k + 1 ≤ 32 with a (k+1)-th eligible expert, and |bias| ≤ WASM_MAX_BIAS.
 */
export function sigmoidKernelCovers(o: ResolvedTopK): boolean {
  if (o.scoring !== 'sigmoid' || o.maskValue !== -Infinity || o.cols > WASM_MAX_COLS) return false
  if (o.bias === undefined && o.groupScore === 'none') return false
  if (o.groupScore !== 'none' && o.groupTopN > 2) return false
  const groupSize = o.cols / o.numGroups
  if (groupSize % 4 !== 0 || o.k + 1 > 32 || o.k >= o.topkGroup * groupSize) return false
  return maxAbs(o.bias) <= WASM_MAX_BIAS
}

function maxAbs(values: Float32Array | undefined): number {
  let m = 0
  if (values !== undefined) for (let j = 0; j < values.length; j++) m = Math.max(m, Math.abs(values[j]!))
  return m
}

/**
 * Exact top-k for the calls `sigmoidKernelCovers` accepts: the kernel settles the kept groups and the
 * winning set wherever the approximation's bound makes them certain; rows it flags are redone by the
 * reference; the winners are then ordered and weighed from float64 σ, exactly as the reference does.
 */
export function wasmSigmoidTopK(
  kernels: KernelExports,
  logits: Float32Array,
  o: ResolvedTopK,
  options: TopKOptions,
  ids: Int32Array,
  weights: Float32Array,
  winnerLogits: Float32Array,
): { readonly exactRows: number } {
  const { rows, cols, k, numGroups, topkGroup } = o
  const bias = o.bias ?? new Float32Array(cols)
  const maxBias = maxAbs(bias)
  // |σ̃ + b − (σ + b)| ≤ bound + half an ulp of |σ + b| ≤ 1 + maxBias; a group score adds two of them.
  const eps = SIGMOID_APPROX_BOUND + (1 + maxBias) * 2 ** -23
  const groupEps = 2 * eps + (2 + 2 * maxBias) * 2 ** -23
  const grouped = o.groupScore !== 'none'
  const chunkRows = Math.max(1, Math.floor(WASM_CHUNK_FLOATS / cols))
  const base = align(kernels.scratchBase())
  const inPtr = base
  const biasPtr = align(inPtr + chunkRows * cols * 4)
  const idsPtr = align(biasPtr + cols * 4)
  const flagsPtr = align(idsPtr + chunkRows * k * 4)
  const scratchPtr = align(flagsPtr + chunkRows * 4)
  ensureMemory(kernels, scratchPtr + kernels.sigmoidScratchBytes(cols, grouped ? numGroups : 1))
  const f32 = new Float32Array(kernels.memory.buffer)
  const i32 = new Int32Array(kernels.memory.buffer)
  f32.set(bias, biasPtr >> 2)
  const winV = new Float64Array(k)
  const winI = new Int32Array(k)
  const winS = new Float64Array(k)
  let exactRows = 0
  for (let r0 = 0; r0 < rows; r0 += chunkRows) {
    const n = Math.min(chunkRows, rows - r0)
    f32.set(logits.subarray(r0 * cols, (r0 + n) * cols), inPtr >> 2)
    const bad = kernels.sigmoidTopKRows(
      inPtr,
      n,
      cols,
      k,
      grouped ? numGroups : 1,
      grouped ? topkGroup : 1,
      o.groupTopN === 2 ? 1 : 0,
      biasPtr,
      eps,
      groupEps,
      idsPtr,
      flagsPtr,
      scratchPtr,
    )
    if (bad >= 0) throwFirstNonFiniteInRow('logits', logits, r0 + bad, cols)
    for (let i = 0; i < n; i++) {
      const r = r0 + i
      const out = r * k
      const flag = i32[(flagsPtr >> 2) + i]!
      const at = (idsPtr >> 2) + i * k
      if (flag === ROW_ORDERED) {
        // Neighbours more than 2ε apart: the approximate order is the exact one.
        for (let j = 0; j < k; j++) {
          const id = i32[at + j]!
          const x = logits[r * cols + id]!
          ids[out + j] = id
          winnerLogits[out + j] = x
          if (o.needWeights) weights[out + j] = 1 / (1 + Math.exp(-x))
        }
        continue
      }
      if (flag === ROW_AMBIGUOUS) {
        exactRows++
        const one = referenceTopK(logits.subarray(r * cols, (r + 1) * cols), 1, cols, options, winnerLogits.subarray(out, out + k))
        ids.set(one.ids, out)
        weights.set(one.weights, out)
        continue
      }
      // The winning set is certain, its order not: order it by the exact selection values (ties → lower id).
      for (let j = 0; j < k; j++) {
        const id = i32[at + j]!
        const score = 1 / (1 + Math.exp(-logits[r * cols + id]!))
        const v = score + bias[id]!
        let pos = j
        while (pos > 0 && (winV[pos - 1]! < v || (winV[pos - 1] === v && winI[pos - 1]! > id))) {
          winV[pos] = winV[pos - 1]!
          winI[pos] = winI[pos - 1]!
          winS[pos] = winS[pos - 1]!
          pos--
        }
        winV[pos] = v
        winI[pos] = id
        winS[pos] = score
      }
      for (let j = 0; j < k; j++) {
        const id = winI[j]!
        ids[out + j] = id
        winnerLogits[out + j] = logits[r * cols + id]!
        if (o.needWeights) weights[out + j] = winS[j]!
      }
    }
  }
  return { exactRows }
}
