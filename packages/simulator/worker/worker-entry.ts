// The pool's worker script (bundled into src/worker-source.ts by scripts/build-worker.mjs): the same chunk
// tasks the calling thread runs, on this thread's own wasm kernels where WebAssembly SIMD exists.
import { expertCountsChunk } from '@routesim/analysis'
import type { KernelBackend } from '@routesim/core'
import { startWorkerRuntime } from '@routesim/parallel'
import type { ChunkTask } from '@routesim/parallel'
import { createRouterRowsTask } from '@routesim/routers'
import { createWasmBackendSync } from '@routesim/wasm'
import { createLayerSessionTask, LAYER_SESSION_TASK } from '../src/layer-session.ts'
import { createRouteLayersTask } from '../src/route-layers.ts'
import { sampleRowsChunk } from '../src/sample-rows.ts'
import { WORKER_DEFINITIONS } from '../src/worker-definitions.ts'

let backend: KernelBackend | undefined
try {
  backend = createWasmBackendSync()
} catch {
  backend = undefined // no SIMD: core's reference kernels, the same results
}

startWorkerRuntime({
  sample_rows: sampleRowsChunk as ChunkTask,
  router_rows: createRouterRowsTask(backend) as ChunkTask,
  expert_counts: expertCountsChunk as ChunkTask,
  route_layers: createRouteLayersTask(WORKER_DEFINITIONS) as ChunkTask,
  [LAYER_SESSION_TASK]: createLayerSessionTask(WORKER_DEFINITIONS, backend) as ChunkTask,
})
