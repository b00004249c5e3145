import type { Prng } from '@routesim/core'
import type { KernelExports } from './kernel-instance.ts'
import { align, ensureMemory } from './wasm-top-k.ts'

/**
 * The words blocks of @routesim/distributions' WordBlocks: refills sized to the words planned (at most BLOCK),
 * then EXTRA words at a time. Part of the draw order, so they are the same numbers here.
 */
const BLOCK = 4096
const EXTRA = 64
/** Rows dealt in module memory between copies out (256 KiB of ids). */
const BATCH_ROWS = 8192
/** State block of the kernel (asm/sample-distinct.ts): p, end, o, rows, r, epoch, rowEnd. */
const STATE_BYTES = 32

/**
 * Whether the kernel covers these sizes: E = 256 experts, k = 8 (DeepSeek-V3, Mixtral-sized rows). Other sizes
 * stay with the JavaScript sampler.
 */
export function distinctRowsCovered(numExperts: number, k: number): boolean {
  return numExperts === 256 && k === 8
}

/**
 * `sampleDistinctSubsets(out, rows, 256, 8, prng)` of @routesim/distributions in the module: the same ids and
 * the same words drawn from `prng`. The words are written into module memory by `prng.fillUint32`, block by
 * block as the JavaScript sampler draws them; the kernel deals the rows (a vector test finds the rows whose
 * 8 bytes all differ) and the ids are copied out a batch of rows at a time.
 */
export function wasmDistinctRows(kernels: KernelExports, out: Int32Array, rows: number, prng: Prng): void {
  const k = 8
  const batch = Math.min(rows, BATCH_ROWS)
  const statePtr = align(kernels.scratchBase())
  const stampPtr = align(statePtr + STATE_BYTES)
  const wordsPtr = align(stampPtr + 256 * 4)
  const outPtr = align(wordsPtr + BLOCK * 4)
  ensureMemory(kernels, outPtr + batch * k * 4)
  const memory = kernels.memory.buffer
  let planned = Math.ceil((rows * k) / 4)
  const blockWords = Math.max(EXTRA, Math.min(BLOCK, planned))
  const words = new Uint32Array(memory, wordsPtr, blockWords)
  const ids = new Int32Array(memory, outPtr, batch * k)
  const state = new Int32Array(memory, statePtr, STATE_BYTES / 4)
  new Int32Array(memory, stampPtr, 256).fill(0)
  state.set([0, 0, 0, 0, 0, 0, -1])
  for (let r0 = 0; r0 < rows; r0 += batch) {
    const n = Math.min(batch, rows - r0)
    state[2] = 0
    state[3] = n
    state[4] = 0
    while (kernels.distinctBytes8(statePtr, wordsPtr, outPtr, stampPtr) === 0) {
      const size = planned > 0 ? Math.min(blockWords, planned) : EXTRA
      planned -= size
      prng.fillUint32(size === blockWords ? words : words.subarray(0, size))
      state[0] = 0
      state[1] = size * 4
    }
    out.set(n === batch ? ids : ids.subarray(0, n * k), r0 * k)
  }
}
