import { BackendUnavailableError, InvalidArgumentError, validateTopKArguments } from '@routesim/core'
import { createReferenceBackend, softmaxNormalizer, winnerScores } from '@routesim/backend-cpu'
import type { BackendRun, KernelBackend, Prng, SampleIdsOptions, TopKOptions, TopKOutput } from '@routesim/core'
import { instantiateKernels, instantiateKernelsSync, kernelModuleBytes, kernelUnavailableReason } from './kernel-instance.ts'
import type { KernelExports } from './kernel-instance.ts'
import { distinctRowsCovered, wasmDistinctRows } from './wasm-distinct-rows.ts'
import { sigmoidKernelCovers, wasmSigmoidTopK } from './wasm-sigmoid-top-k.ts'
import { WASM_MAX_COLS, wasmSelectTopK } from './wasm-top-k.ts'

/** Where the last call ran (the same shape as gpu.js backends' `lastRun`), so no handoff goes unsaid. */
export interface WasmLastRun extends BackendRun {
  readonly operation: 'topK' | 'histogram' | 'sampleIds'
  /** 'kernel': the SIMD kernel; 'reference': the reference kernel, for what the kernel does not cover. */
  readonly ranOn: 'kernel' | 'reference'
  readonly reason: string
}

/** The WebAssembly SIMD backend. Its kernels are synchronous, so its methods return values, not promises. */
export interface WasmBackend extends KernelBackend {
  readonly name: 'wasm'
  readonly mode: 'wasm-simd'
  readonly checksFiniteLogits: true
  topK(logits: Float32Array, rows: number, cols: number, options: TopKOptions): TopKOutput
  histogram(ids: Int32Array, numExperts: number): Int32Array
  sampleIds(options: SampleIdsOptions): Int32Array
  /**
   * `sampleDistinctSubsets(out, rows, numExperts, k, prng)` of @routesim/distributions, the same ids and words
   * drawn, in the module, for the sizes it covers (E = 256, k = 8); returns false, drawing nothing, for others.
   */
  sampleDistinctRows(out: Int32Array, rows: number, numExperts: number, k: number, prng: Prng): boolean
  /** Where the last call ran (so tests and benchmarks can assert the kernel really ran). */
  readonly lastRun: WasmLastRun | undefined
  dispose(): void
}

/**
 * A kernel backend whose top-k runs as WebAssembly SIMD (f32x4) in this thread: the same module in Node
 * and in browsers, no workers, no GPU. Two kernels: plain top-k (softmax, sigmoid or raw-logit scoring
 * without a bias or groups: softmax_topk, llama4_topk) and sigmoid selection with a correction bias and/or
 * groups scored by their best or best two (DeepSeek-V3 grouped_topk, biased sigmoid_topk). Anything else,
 * histograms and sampling run the reference kernels, and `lastRun` says so. Results are the reference's
 * exactly: the kernels only decide faster which values can win. Throws BackendUnavailableError where the
 * engine lacks WebAssembly SIMD.
 *
 * @example
 * const backend = await createWasmBackend()
 * const { ids, winnerLogits } = backend.topK(logits, tokens, 256, { k: 8, scoring: 'softmax' })
 */
export async function createWasmBackend(options?: Readonly<Record<string, never>>): Promise<WasmBackend> {
  // It takes no options today; one passed anyway (a typo, an option of another backend) is an error, not ignored.
  checkNoOptions(options)
  const bytes = kernelModuleBytes()
  const reason = kernelUnavailableReason(bytes)
  if (reason !== undefined) throw new BackendUnavailableError({ mode: 'wasm-simd', reason })
  return backendOver(await instantiateKernels(bytes))
}

/**
 * As `createWasmBackend`, compiled synchronously: for workers and library paths that cannot await. The module
 * is small, so even a browser's main thread may compile it synchronously.
 */
export function createWasmBackendSync(options?: Readonly<Record<string, never>>): WasmBackend {
  checkNoOptions(options)
  const bytes = kernelModuleBytes()
  const reason = kernelUnavailableReason(bytes)
  if (reason !== undefined) throw new BackendUnavailableError({ mode: 'wasm-simd', reason })
  return backendOver(instantiateKernelsSync(bytes))
}

function checkNoOptions(options: unknown): void {
  if (options !== undefined && (typeof options !== 'object' || options === null || Reflect.ownKeys(options).length > 0)) {
    throw new InvalidArgumentError({ parameter: 'createWasmBackend options', value: options, allowed: 'no options (createWasmBackend() takes none)' })
  }
}

function backendOver(kernels: KernelExports): WasmBackend {
  const reference = createReferenceBackend()
  let disposed = false
  let lastRun: WasmLastRun | undefined

  const backend: WasmBackend = {
    name: 'wasm',
    mode: 'wasm-simd',
    checksFiniteLogits: true,
    get lastRun() {
      return lastRun
    },
    topK(logits, rows, cols, options) {
      assertOpen(disposed)
      const o = validateTopKArguments(logits, rows, cols, options)
      const plain = o.bias === undefined && o.groupScore === 'none' && o.cols <= WASM_MAX_COLS
      if (!plain && sigmoidKernelCovers(o)) {
        const ids = new Int32Array(o.rows * o.k)
        const weights = new Float32Array(o.rows * o.k)
        const winnerLogits = new Float32Array(o.rows * o.k)
        const { exactRows } = wasmSigmoidTopK(kernels, logits, o, options, ids, weights, winnerLogits)
        lastRun = { operation: 'topK', ranOn: 'kernel', reason: `WebAssembly SIMD, sigmoid + bias/groups (${exactRows} near-tie rows redone exactly)` }
        return { ids, weights, winnerLogits }
      }
      if (!plain) {
        const reason =
          o.cols > WASM_MAX_COLS
            ? `rows wider than ${WASM_MAX_COLS} experts`
            : 'the kernels cover plain top-k and sigmoid with a bias or top-1/top-2 groups (see the README)'
        lastRun = { operation: 'topK', ranOn: 'reference', reason }
        return reference.topK(logits, rows, cols, options)
      }
      const ids = new Int32Array(o.rows * o.k)
      const values = new Float32Array(o.rows * o.k)
      wasmSelectTopK(kernels, logits, o, ids, values)
      // Plain selection: each row's first winner holds its largest logit.
      const normalizer = o.normalizer ? softmaxNormalizer(logits, o.rows, o.cols, { ids, k: o.k }) : undefined
      const weights = o.needWeights ? winnerScores(values, o.k, o.scoring, normalizer) : new Float32Array(o.rows * o.k)
      lastRun = { operation: 'topK', ranOn: 'kernel', reason: 'WebAssembly SIMD' }
      return { ids, weights, winnerLogits: values, ...(normalizer ? { normalizer } : {}) }
    },
    histogram(ids, numExperts) {
      assertOpen(disposed)
      lastRun = { operation: 'histogram', ranOn: 'reference', reason: 'this backend has no histogram kernel' }
      return reference.histogram(ids, numExperts)
    },
    sampleIds(options) {
      assertOpen(disposed)
      lastRun = { operation: 'sampleIds', ranOn: 'reference', reason: 'this backend has no sampling kernel' }
      return reference.sampleIds(options)
    },
    sampleDistinctRows(out, rows, numExperts, k, prng) {
      assertOpen(disposed)
      if (!distinctRowsCovered(numExperts, k) || !Number.isInteger(rows) || rows < 0 || out.length !== rows * k) return false
      wasmDistinctRows(kernels, out, rows, prng)
      return true
    },
    dispose() {
      disposed = true
    },
  }
  return backend
}

function assertOpen(disposed: boolean): void {
  if (disposed) throw new BackendUnavailableError({ mode: 'wasm-simd', reason: 'this backend was disposed' })
}
