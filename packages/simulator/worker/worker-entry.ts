// The pool's worker script (bundled into src/worker-source.ts by scripts/build-worker.mjs): the same chunk
// tasks the calling thread runs, on the kernels the backend registry chooses for this thread.
import { expertCountsChunk } from '@routesim/analysis'
import type { KernelBackend } from '@routesim/core'
import { startWorkerRuntime } from '@routesim/parallel'
import type { ChunkTask } from '@routesim/parallel'
import { createRouterRowsTask } from '@routesim/routers'
import { resolveChunkBackend } from '../src/chunk-backend.ts'
import { createLayerSessionTask, LAYER_SESSION_TASK } from '../src/layer-session.ts'
import { createRouteLayersTask } from '../src/route-layers.ts'
import { sampleRowsChunk } from '../src/sample-rows.ts'
import { WORKER_DEFINITIONS } from '../src/worker-definitions.ts'

// The registry's one synchronous choice: wasm where WebAssembly SIMD exists, else the reference kernels (the same bits).
const backend: KernelBackend | undefined = resolveChunkBackend().backend

startWorkerRuntime({
  sample_rows: sampleRowsChunk as ChunkTask,
  router_rows: createRouterRowsTask(backend) as ChunkTask,
  expert_counts: expertCountsChunk as ChunkTask,
  route_layers: createRouteLayersTask(WORKER_DEFINITIONS) as ChunkTask,
  [LAYER_SESSION_TASK]: createLayerSessionTask(WORKER_DEFINITIONS, backend) as ChunkTask,
})
