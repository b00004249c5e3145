import type { Prng, PrngState } from '@routesim/core'
import {
  sampleDistinctSubsets,
  sampleNormalRowWeights,
  sampleSigmoidNormalBins,
  sampleSigmoidNormalBinsDistinct,
  sampleUniformInts,
} from '@routesim/distributions'
import { chunkPrng } from '@routesim/parallel'
import type { WasmBackend } from '@routesim/wasm'
import { resolveChunkBackend } from './chunk-backend.ts'

/**
 * Rows per sampling chunk. Part of the output format: each chunk draws from its own stream (`chunkPrng`), so
 * changing this changes every request above it. Requests of at most this many rows are one chunk and draw
 * exactly what they drew before chunking existed.
 */
export const SAMPLE_CHUNK_ROWS = 8192

export type SampleKind = 'uniform_iid' | 'uniform_distinct' | 'normal' | 'normal_distinct'

/** One sampling job of `DistributionBasedRouting`: every field is plain data or a (shared) typed array. */
export interface SampleRowsArgs {
  readonly kind: SampleKind
  readonly rows: number
  readonly k: number
  readonly numExperts: number
  readonly mean: number
  readonly std: number
  /** Uniform weights' value (1 or 1/k). */
  readonly fill: number
  /** The caller's stream at the start of the call. */
  readonly start: PrngState
  /** Chunk 0's stream at its end (four uint32 words), which the caller continues from. */
  readonly end: Int32Array
  readonly ids: Int32Array
  readonly weights: Float32Array
}

/** Chunk c of a sampling job: rows [c·SAMPLE_CHUNK_ROWS, …) from chunk c's stream, in the unchunked order (ids, then weights). */
export function sampleRowsChunk(args: SampleRowsArgs, chunk: number): void {
  const { k, numExperts: n } = args
  const r0 = chunk * SAMPLE_CHUNK_ROWS
  const rows = Math.min(args.rows, r0 + SAMPLE_CHUNK_ROWS) - r0
  if (rows <= 0) return
  const ids = args.ids.subarray(r0 * k, (r0 + rows) * k)
  const weights = args.weights.subarray(r0 * k, (r0 + rows) * k)
  const prng: Prng = chunkPrng(args.start, chunk)
  switch (args.kind) {
    case 'uniform_iid':
      sampleUniformInts(ids, n, prng)
      weights.fill(args.fill)
      break
    case 'uniform_distinct':
      if (!distinctRowsKernel()?.sampleDistinctRows(ids, rows, n, k, prng)) sampleDistinctSubsets(ids, rows, n, k, prng)
      weights.fill(args.fill)
      break
    case 'normal':
      sampleSigmoidNormalBins(ids, n, args.mean, args.std, prng)
      sampleNormalRowWeights(weights, rows, k, args.mean, args.std, prng)
      break
    case 'normal_distinct':
      sampleSigmoidNormalBinsDistinct(ids, rows, n, k, args.mean, args.std, prng)
      sampleNormalRowWeights(weights, rows, k, args.mean, args.std, prng)
      break
  }
  if (chunk === 0) args.end.set(prng.getState().state)
}

/** This thread's wasm kernels when they are the chunk kernels: they draw distinct rows (E = 256, k = 8) as the JavaScript sampler does, faster. */
function distinctRowsKernel(): WasmBackend | undefined {
  const backend = resolveChunkBackend().backend
  return backend?.name === 'wasm' ? (backend as WasmBackend) : undefined
}

/** Whether a stream can be snapshotted for chunking (core's generators can; a foreign `context.prng` may not). */
export function hasState(prng: Prng): boolean {
  return typeof prng.getState === 'function' && typeof prng.setState === 'function'
}
