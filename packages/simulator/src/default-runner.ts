import type { ChunkRunner, KernelBackend } from '@routesim/core'
import { createThreadPool, resolveThreadCount } from '@routesim/parallel'
import type { ThreadPool } from '@routesim/parallel'
import { createWasmBackendSync } from '@routesim/wasm'
import { WORKER_SOURCE } from './worker-source.ts'

/** One pool per thread count, made on first use and shared by simulators: workers are costly, jobs never overlap within a thread. */
const pools = new Map<number, ThreadPool>()

/**
 * The runner a simulator lends its strategies: a pool of `threads` threads (default: `ROUTESIM_THREADS`, else
 * every core) whose chunks run on `backend`. Idle workers never keep a process alive.
 */
export function createChunkRunner(threads?: number, backend?: KernelBackend): ChunkRunner {
  const n = resolveThreadCount(threads)
  let pool = pools.get(n)
  if (pool === undefined) {
    pool = createThreadPool({ threads: n, workerSource: WORKER_SOURCE })
    pools.set(n, pool)
  }
  const shared = pool
  return {
    threads: shared.threads,
    parallel: shared.parallel,
    backend,
    run: (job) => shared.run(job),
    start: () => shared.start(),
  }
}

let exactSync: { backend: KernelBackend | undefined } | undefined

/**
 * The synchronous exact backend for chunk kernels: wasm where WebAssembly SIMD exists, else none (reference
 * kernels). Compiled once per thread and shared: its calls are synchronous, so simulators never overlap in it.
 */
export function exactSyncBackend(): KernelBackend | undefined {
  if (exactSync === undefined) {
    let backend: KernelBackend | undefined
    try {
      backend = createWasmBackendSync()
    } catch {
      backend = undefined
    }
    exactSync = { backend }
  }
  return exactSync.backend
}
