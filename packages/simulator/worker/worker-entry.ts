// The pool's worker script (bundled into src/worker-source.ts by scripts/build-worker.mjs): the same chunk
// tasks the calling thread runs, on this thread's own wasm kernels where WebAssembly SIMD exists.
import { expertCountsChunk } from '@routesim/analysis'
import type { KernelBackend } from '@routesim/core'
import { startWorkerRuntime } from '@routesim/parallel'
import type { ChunkTask } from '@routesim/parallel'
import { createRouterRowsTask, routerDefinitions } from '@routesim/routers'
import { strategyDefinitions } from '@routesim/strategies'
import { createWasmBackendSync } from '@routesim/wasm'
import { builtInDefinitions } from '../src/built-in-definitions.ts'
import { createRouteLayersTask } from '../src/route-layers.ts'
import { sampleRowsChunk } from '../src/sample-rows.ts'

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
  route_layers: createRouteLayersTask([...builtInDefinitions, ...routerDefinitions, ...strategyDefinitions]) as ChunkTask,
})
