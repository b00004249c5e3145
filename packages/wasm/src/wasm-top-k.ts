import { throwFirstNonFiniteInRow } from '@routesim/core'
import type { ResolvedTopK } from '@routesim/core'
import type { KernelExports } from './kernel-instance.ts'

/** Floats copied into the module per kernel call: 256 KiB, so a chunk is still in cache when the kernel reads it. */
export const WASM_CHUNK_FLOATS = 65536
/** Widest row the kernels take (a row must fit one chunk of module memory); wider rows go to the reference. */
export const WASM_MAX_COLS = 2 ** 24

const PAGE = 65536

/**
 * Selection of every row in the module: rows are copied in a chunk at a time, the kernel writes ids and
 * the winners' logits, which are copied out. `o` must be a plain top-k (no bias, no groups).
 * Throws InvalidLogitsError (parameter `logits`) at the first non-finite value, as the reference does.
 */
export function wasmSelectTopK(kernels: KernelExports, logits: Float32Array, o: ResolvedTopK, ids: Int32Array, values: Float32Array): void {
  const { rows, cols, k } = o
  const chunkRows = Math.max(1, Math.floor(WASM_CHUNK_FLOATS / cols))
  const base = kernels.scratchBase()
  const inPtr = align(base)
  const idsPtr = align(inPtr + chunkRows * cols * 4)
  const valsPtr = align(idsPtr + chunkRows * k * 4)
  const candPtr = align(valsPtr + chunkRows * k * 4)
  ensureMemory(kernels, candPtr + kernels.topKScratchBytes(cols))
  const f32 = new Float32Array(kernels.memory.buffer)
  const i32 = new Int32Array(kernels.memory.buffer)
  for (let r0 = 0; r0 < rows; r0 += chunkRows) {
    const n = Math.min(chunkRows, rows - r0)
    f32.set(logits.subarray(r0 * cols, (r0 + n) * cols), inPtr >> 2)
    const bad = kernels.topKRows(inPtr, n, cols, k, idsPtr, valsPtr, candPtr)
    if (bad >= 0) throwFirstNonFiniteInRow('logits', logits, r0 + bad, cols)
    ids.set(i32.subarray(idsPtr >> 2, (idsPtr >> 2) + n * k), r0 * k)
    values.set(f32.subarray(valsPtr >> 2, (valsPtr >> 2) + n * k), r0 * k)
  }
}

export function align(offset: number): number {
  return (offset + 15) & ~15
}

/** Grows the module's memory to at least `bytes` (views made before must be made again). */
export function ensureMemory(kernels: KernelExports, bytes: number): void {
  const memory = kernels.memory
  if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE))
}
