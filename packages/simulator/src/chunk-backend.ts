import { InvalidArgumentError } from '@routesim/core'
import type { KernelBackend } from '@routesim/core'
import { createWasmBackendSync } from '@routesim/wasm'

// The backend registry's synchronous half (backend-registry.ts is the asynchronous one). It has a file of
// its own because the pool's worker script bundles it: the registry's on-demand gpu.js import must stay out.

/** What the wasm backend runs itself; the registry's 'wasm' gives the same reason. */
export const WASM_REASON =
  'WebAssembly SIMD top-k (plain, and sigmoid with a bias or top-1/top-2 groups); other selections, histograms and sampling run the reference kernels'

/** The kernels chunk work runs on, and why: `backend` undefined means the reference kernels, called directly. */
export interface ChunkBackendChoice {
  readonly backend: KernelBackend | undefined
  readonly reason: string
}

/** This thread's synchronous wasm (or why there is none): compiled once, shared by every simulator and worker task. */
let exactSync: ChunkBackendChoice | undefined

function exactSyncChoice(): ChunkBackendChoice {
  if (exactSync === undefined) {
    try {
      exactSync = { backend: createWasmBackendSync(), reason: `wasm: ${WASM_REASON}` }
    } catch (error) {
      exactSync = { backend: undefined, reason: `reference kernels: wasm is unavailable here (${error instanceof Error ? error.message : String(error)})` }
    }
  }
  return exactSync
}

/**
 * The registry's synchronous choice: the kernels that chunks of a request run on, on the calling thread
 * and in the pool's workers. Chunks cannot await and must give the reference's bits, so for a simulator
 * on the reference backend (or none) this is wasm where WebAssembly SIMD compiles synchronously here, else
 * the reference kernels; a wasm backend is kept; any other (gpu.js) hands its chunks to the reference
 * kernels. The wasm module is compiled once per thread and shared: its calls are synchronous, so
 * simulators never overlap in it.
 */
export function resolveChunkBackend(backend?: KernelBackend): ChunkBackendChoice {
  if (backend !== undefined && (typeof backend !== 'object' || backend === null)) {
    throw new InvalidArgumentError({ parameter: 'backend', value: backend, allowed: 'a KernelBackend, or undefined for the default' })
  }
  if (backend === undefined || backend.name === 'reference') return exactSyncChoice()
  if (backend.name === 'wasm') return { backend, reason: "wasm: the simulator's own backend" }
  return { backend: undefined, reason: `reference kernels: ${backend.name} (${backend.mode}) has no synchronous exact kernels` }
}
